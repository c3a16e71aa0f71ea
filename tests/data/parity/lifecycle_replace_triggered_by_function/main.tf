# command: plan
# configs/resource.go: replace_triggered_by takes references, not arbitrary expressions.
resource "terraform_data" "a" {
}

resource "terraform_data" "b" {
  lifecycle {
    replace_triggered_by = [upper(terraform_data.a.id)]
  }
}

# replace_triggered_by naming a resource and an attribute of one.
resource "terraform_data" "a" {
}

resource "terraform_data" "b" {
  lifecycle {
    replace_triggered_by = [terraform_data.a, terraform_data.a.output]
  }
}

# command: plan
# for_each keys depending on a value known only after apply.
resource "terraform_data" "a" {
}

resource "terraform_data" "b" {
  for_each = toset([terraform_data.a.id])
}

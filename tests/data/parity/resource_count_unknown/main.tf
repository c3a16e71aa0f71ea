# command: plan
# count depending on a value known only after apply.
resource "terraform_data" "a" {
  input = 2
}

resource "terraform_data" "b" {
  count = terraform_data.a.output
}

resource "terraform_data" "web" {
  input = "one"
}

resource "terraform_data" "web" {
  input = "two"
}

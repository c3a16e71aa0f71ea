resource "terraform_data" "a" {
  input = "x"
}

resourse "terraform_data" "b" {
  input = "y"
}

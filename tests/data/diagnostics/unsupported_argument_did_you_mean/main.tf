resource "terraform_data" "a" {
  inptu = "x"
}

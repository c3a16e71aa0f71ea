# A computed-only attribute cannot be set.
resource "terraform_data" "a" {
  output = "x"
}

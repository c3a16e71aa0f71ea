# An argument lifecycle does not have.
resource "terraform_data" "a" {
  lifecycle {
    prevent_destroi = true
  }
}

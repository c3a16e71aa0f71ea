# create_before_destroy must be a boolean.
resource "terraform_data" "a" {
  lifecycle {
    create_before_destroy = "sometimes"
  }
}

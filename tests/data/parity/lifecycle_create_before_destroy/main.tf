# lifecycle.create_before_destroy and prevent_destroy as literal booleans.
resource "terraform_data" "a" {
  lifecycle {
    create_before_destroy = true
    prevent_destroy       = false
  }
}

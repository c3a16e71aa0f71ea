# configs/resource.go: at most one lifecycle block.
resource "terraform_data" "a" {
  lifecycle {
    create_before_destroy = true
  }
  lifecycle {
    prevent_destroy = false
  }
}

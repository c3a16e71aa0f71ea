# configs/resource.go: the old ["*"] wildcard is no longer accepted.
resource "terraform_data" "a" {
  lifecycle {
    ignore_changes = ["*"]
  }
}

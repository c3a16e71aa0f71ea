# ignore_changes is `all` or a list.
resource "terraform_data" "a" {
  lifecycle {
    ignore_changes = input
  }
}

# ignore_changes naming an attribute the resource type does not have.
resource "terraform_data" "a" {
  lifecycle {
    ignore_changes = [inptu]
  }
}

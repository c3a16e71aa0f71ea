# A dynamic block for a nested block type the resource type does not have.
resource "terraform_data" "a" {
  dynamic "setting" {
    for_each = [1]
    content {
    }
  }
}

# ignore_changes naming attributes of the resource type.
resource "terraform_data" "a" {
  input = "x"

  lifecycle {
    ignore_changes = [input, triggers_replace]
  }
}

# ignore_changes naming a computed-only attribute (not an argument).
resource "terraform_data" "a" {
  lifecycle {
    ignore_changes = [output]
  }
}

# The `_` block escapes provider arguments named like meta-arguments.
resource "terraform_data" "a" {
  _ {
  }
}

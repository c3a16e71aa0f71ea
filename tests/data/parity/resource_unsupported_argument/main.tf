# The resource type's schema has no argument of this name.
resource "terraform_data" "a" {
  inptu = "x"
}

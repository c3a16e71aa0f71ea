# A reference to a variable declared nowhere.
resource "terraform_data" "a" {
  input = var.nowhere
}

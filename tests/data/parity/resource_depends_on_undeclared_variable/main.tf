# depends_on naming a variable declared nowhere.
resource "terraform_data" "a" {
  depends_on = [var.nowhere]
}

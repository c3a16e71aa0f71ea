# depends_on naming a module call declared nowhere.
resource "terraform_data" "a" {
  depends_on = [module.nowhere]
}

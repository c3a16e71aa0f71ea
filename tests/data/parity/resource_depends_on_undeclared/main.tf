# depends_on naming a resource declared nowhere.
resource "terraform_data" "a" {
  depends_on = [terraform_data.previous]
}

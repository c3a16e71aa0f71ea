# A module's depends_on naming a resource declared nowhere.
module "m" {
  source     = "./child"
  name       = "x"
  depends_on = [terraform_data.nowhere]
}

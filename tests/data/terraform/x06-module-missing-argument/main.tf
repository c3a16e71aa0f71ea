module "network" {
  source = "./modules/network"

  name = "core"
}

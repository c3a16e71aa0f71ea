# A module call passing a provider configuration to the module.
provider "null" {
  alias = "second"
}

module "m" {
  source = "./child"
  providers = {
    null = null.second
  }
}

# A called module declaring configuration_aliases, passed by its caller.
provider "null" {
  alias = "second"
}

module "m" {
  source = "./child"
  providers = {
    null.other = null.second
  }
}

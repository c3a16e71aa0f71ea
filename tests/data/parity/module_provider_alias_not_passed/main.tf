# A called module using an aliased provider configuration its caller does not pass.
provider "null" {
  alias = "second"
}

module "m" {
  source = "./child"
}

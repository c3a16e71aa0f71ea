# An argument the module declares no variable for.
module "m" {
  source = "./child"
  name   = "x"
  nmae   = "y"
}

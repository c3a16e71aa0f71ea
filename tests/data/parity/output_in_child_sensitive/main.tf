# A module output of a sensitive value must be marked sensitive in the module.
module "m" {
  source = "./child"
}

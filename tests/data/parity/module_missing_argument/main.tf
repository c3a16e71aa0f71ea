# A module variable without a default needs an argument.
module "m" {
  source = "./child"
}

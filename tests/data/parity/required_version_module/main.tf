# A called module's required_version is checked too.
module "m" {
  source = "./child"
}

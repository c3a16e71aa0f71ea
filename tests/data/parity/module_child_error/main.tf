# An error inside a called module is reported too.
module "m" {
  source = "./child"
}

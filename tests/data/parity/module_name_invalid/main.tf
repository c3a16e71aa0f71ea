# configs/module_call.go: a module name must be an identifier.
module "1st" {
  source = "./child"
  name   = "x"
}

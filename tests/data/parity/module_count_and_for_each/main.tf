# configs/module_call.go: count and for_each are exclusive on module calls too.
module "m" {
  source   = "./child"
  count    = 1
  for_each = toset(["a"])
  name     = "x"
}

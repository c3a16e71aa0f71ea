# configs/module_call.go: block types reserved in module blocks.
module "m" {
  source = "./child"
  name   = "x"

  lifecycle {
  }
}

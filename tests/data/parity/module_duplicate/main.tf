# configs/module.go: a module call is declared once.
module "m" {
  source = "./child"
  name   = "x"
}

module "m" {
  source = "./child"
  name   = "y"
}

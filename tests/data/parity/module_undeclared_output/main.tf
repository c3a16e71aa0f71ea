# A reference to an output the module does not declare.
module "m" {
  source = "./child"
  name   = "x"
}

output "a" {
  value = module.m.nowhere
}

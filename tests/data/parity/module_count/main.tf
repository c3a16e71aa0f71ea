# count on a module call.
module "m" {
  source = "./child"
  count  = 2
  name   = "x-${count.index}"
}

output "ids" {
  value = module.m[*].id
}

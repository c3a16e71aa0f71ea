# for_each on a module call.
module "m" {
  source   = "./child"
  for_each = toset(["a", "b"])
  name     = each.key
}

output "a" {
  value = module.m["a"].id
}

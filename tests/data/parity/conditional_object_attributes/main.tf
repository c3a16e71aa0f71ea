# Objects with different attributes have no common type.
locals {
  a = true ? { x = 1 } : { y = 2 }
}

output "a" {
  value = local.a
}

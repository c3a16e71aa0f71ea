# A number and a string unify to string; null unifies with anything.
locals {
  a = true ? "a" : 1
  b = false ? null : { x = 1 }
  c = true ? ["a"] : []
}

output "a" {
  value = [local.a, local.b, local.c]
}

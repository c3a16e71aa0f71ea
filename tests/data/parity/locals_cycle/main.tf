# Locals that depend on each other.
locals {
  a = local.b
  b = local.a
}

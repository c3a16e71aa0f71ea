# An attribute of a null value.
locals {
  n = null
  a = local.n.name
}

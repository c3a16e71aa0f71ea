# each outside a for_each block.
locals {
  a = each.key
}

# A local value written twice in one locals block.
locals {
  a = 1
  a = 2
}

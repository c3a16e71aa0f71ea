# The two results of a conditional must have a common type.
locals {
  a = true ? "a" : {}
}

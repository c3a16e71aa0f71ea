# An operator applied to a value of the wrong type.
locals {
  a = "x" + 1
}

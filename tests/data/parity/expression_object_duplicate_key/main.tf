# An object constructor with the same key twice.
locals {
  a = { x = 1, x = 2 }
}

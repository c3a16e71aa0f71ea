# A call to a function that does not exist.
locals {
  a = uppercase("x")
}

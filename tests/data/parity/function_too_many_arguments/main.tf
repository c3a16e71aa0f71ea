# A function called with too many arguments.
locals {
  a = upper("a", "b")
}

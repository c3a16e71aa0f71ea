# A function called with too few arguments.
locals {
  a = substr("abc", 1)
}

# A function given a value of the wrong type.
locals {
  a = upper(["x"])
}

# An index past the end of a tuple.
locals {
  a = [1, 2][5]
}

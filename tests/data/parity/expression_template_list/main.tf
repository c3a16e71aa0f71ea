# A list cannot be interpolated into a string.
locals {
  a = "items: ${[1, 2]}"
}

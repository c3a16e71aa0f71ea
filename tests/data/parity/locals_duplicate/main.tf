# configs/module.go: a local value is defined once.
locals {
  a = 1
}

locals {
  a = 2
}

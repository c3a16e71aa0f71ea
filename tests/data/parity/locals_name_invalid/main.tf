# configs/named_values.go: a local value name must be a valid identifier.
locals {
  "quoted-name" = 1
}

# configs/named_values.go: quoted type constraints are no longer accepted.
variable "name" {
  type = "string"
}

# configs/named_values.go: a variable name must be an identifier.
variable "1st" {
  default = 1
}

# configs/named_values.go: a non-nullable variable cannot default to null.
variable "name" {
  type     = string
  nullable = false
  default  = null
}

# configs/named_values.go: the default must convert to the declared type.
variable "size" {
  type    = number
  default = "large"
}

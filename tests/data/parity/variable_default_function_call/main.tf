# A variable's default must be a constant: no function calls.
variable "a" {
  default = upper("x")
}

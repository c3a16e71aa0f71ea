# A variable's default must be a constant: it cannot refer to another variable.
variable "a" {
  default = "x"
}

variable "b" {
  default = var.a
}

# A variable's description must be a literal string.
variable "a" {
  default     = "x"
  description = var.a
}

# optional() is only allowed inside object types.
variable "x" {
  type = optional(string)
}

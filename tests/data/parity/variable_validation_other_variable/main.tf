# A condition that refers only to another variable still does not test this one.
variable "other" {
  default = "x"
}

variable "name" {
  default = "y"

  validation {
    condition     = length(var.other) > 0
    error_message = "Never about var.name."
  }
}

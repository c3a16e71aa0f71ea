# A validation block needs an error_message.
variable "name" {
  default = "x"

  validation {
    condition = length(var.name) > 0
  }
}

# Since Terraform 1.9 a condition may refer to other variables, as long as it refers to its own.
variable "min" {
  default = 1
}

variable "size" {
  default = 2

  validation {
    condition     = var.size >= var.min
    error_message = "The size must be at least min."
  }
}

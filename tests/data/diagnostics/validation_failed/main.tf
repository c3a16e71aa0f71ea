variable "env" {
  type = string

  validation {
    condition     = contains(["dev", "prod"], var.env)
    error_message = "The env must be \"dev\" or \"prod\"."
  }
}

output "env" {
  value = var.env
}

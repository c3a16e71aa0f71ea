# command: plan
# A validation that holds for the default value.
variable "name" {
  default = "web"

  validation {
    condition     = can(regex("^[a-z]+$", var.name))
    error_message = "The name must be lower-case letters."
  }
}

output "name" {
  value = var.name
}

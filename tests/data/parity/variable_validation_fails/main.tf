# command: plan
# A validation that fails on the default value (checked when the variable is evaluated).
variable "name" {
  default = ""

  validation {
    condition     = length(var.name) > 0
    error_message = "The name must not be empty."
  }
}

output "name" {
  value = var.name
}

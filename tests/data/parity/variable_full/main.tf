# Every argument of a variable block.
variable "name" {
  type        = string
  default     = "web"
  description = "A name."
  sensitive   = false
  nullable    = false

  validation {
    condition     = length(var.name) < 10
    error_message = "The name must be shorter than 10 characters."
  }
}

output "name" {
  value = var.name
}

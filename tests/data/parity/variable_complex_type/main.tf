# Object types with optional attributes and defaults.
variable "settings" {
  type = object({
    name = string
    size = optional(number, 1)
    tags = optional(map(string), {})
  })
  default = {
    name = "x"
  }
}

output "size" {
  value = var.settings.size
}

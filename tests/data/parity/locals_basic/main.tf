# Locals referring to each other and to a variable.
variable "prefix" {
  default = "app"
}

locals {
  name = "${var.prefix}-web"
  tags = { Name = local.name }
}

output "tags" {
  value = local.tags
}

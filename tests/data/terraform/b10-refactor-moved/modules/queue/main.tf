variable "name" {
  type = string
}

resource "null_resource" "this" {
  triggers = {
    name = var.name
  }
}

output "name" {
  value = null_resource.this.triggers.name
}

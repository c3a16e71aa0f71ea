variable "name" {
  type = string
}

resource "null_resource" "db" {
  triggers = {
    name = var.name
  }
}

output "name" {
  value = var.name
}

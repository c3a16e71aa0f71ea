variable "name" {
  type = string
}

variable "size" {
  type = number
}

resource "null_resource" "worker" {
  count = var.size
  triggers = {
    name = "${var.name}-${count.index}"
  }
}

output "name" {
  value = var.name
}

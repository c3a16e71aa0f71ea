variable "size" {
  type = number
}

resource "terraform_data" "a" {
  inptu = var.size
}

resource "random_password" "p" {
  special = true
}

resource "null_resource" "n" {
  triggers = {
    zone = var.zone
  }
}

locals {
  name = local.missing
}

output "o" {
  value = terraform_data.nope.id
}

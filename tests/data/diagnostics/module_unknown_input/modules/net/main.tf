variable "cidr" {
  type = string
}

resource "terraform_data" "vpc" {
  input = var.cidr
}

output "vpc_id" {
  value = terraform_data.vpc.id
}

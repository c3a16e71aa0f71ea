variable "name" {
  type = string
}

resource "terraform_data" "a" {
  input = var.name
}

output "id" {
  value = terraform_data.a.id
}

variable "name" {
  type = string
}

resource "terraform_data" "this" {
  input = var.name
}

resource "null_resource" "also" {
  triggers = {
    name = terraform_data.this.output
  }
}

output "id" {
  value = terraform_data.this.id
}

variable "subnets" {
  type = map(string)
}

resource "terraform_data" "app" {
  input = join(" ", values(var.subnets))
}

output "summary" {
  value = terraform_data.app.input
}

variable "cidr" {
  type = string
}

variable "zones" {
  type = list(string)
}

resource "terraform_data" "subnet" {
  for_each = toset(var.zones)
  input    = cidrsubnet(var.cidr, 8, index(var.zones, each.key))
}

output "subnets" {
  value = { for k, s in terraform_data.subnet : k => s.input }
}

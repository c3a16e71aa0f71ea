variable "bucket" {
  type = string
}

variable "read_roles" {
  type = list(string)
}

resource "terraform_data" "statement" {
  for_each = toset(var.read_roles)
  input    = "${each.value} may read ${var.bucket}"
}

output "statement_count" {
  value = length(terraform_data.statement)
}

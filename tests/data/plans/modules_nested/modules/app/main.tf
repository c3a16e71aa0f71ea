variable "name" {
  type = string
}

variable "envs" {
  type = list(string)
}

resource "terraform_data" "env" {
  for_each = toset(var.envs)
  input    = "${var.name}-${each.key}"
}

module "db" {
  source = "../db"
  name   = "${var.name}-db"
}

output "names" {
  value = [for e in var.envs : "${var.name}-${e}"]
}

output "db_name" {
  value = module.db.name
}

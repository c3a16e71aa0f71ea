# command: plan
# for expressions, splats, templates with directives, try and can.
variable "items" {
  default = ["a", "b"]
}

resource "terraform_data" "a" {
  count = length(var.items)
  input = var.items[count.index]
}

locals {
  upper  = [for s in var.items : upper(s) if s != ""]
  by_key = { for i, s in var.items : s => i }
  ids    = terraform_data.a[*].id
  text   = "%{for s in var.items}${s};%{endfor}"
  safe   = try(var.items[5], "none")
  ok     = can(var.items[0])
}

output "all" {
  value = [local.upper, local.by_key, local.text, local.safe, local.ok, length(local.ids)]
}

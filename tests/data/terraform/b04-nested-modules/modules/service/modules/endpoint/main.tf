variable "service" {
  type = string
}

variable "paths" {
  type = list(string)
}

resource "null_resource" "route" {
  for_each = toset(var.paths)

  triggers = {
    route = "${var.service}${each.value}"
  }
}

output "routes" {
  value = [for p in var.paths : null_resource.route[p].triggers.route]
}

variable "zones" {
  type    = list(string)
  default = ["a", "b", "c"]
}

locals {
  apps = {
    api = 2
    web = 1
  }
}

resource "terraform_data" "zone" {
  count = length(var.zones)
  input = "zone-${var.zones[count.index]}"
}

resource "terraform_data" "app" {
  for_each = local.apps
  input    = "${each.key} x${each.value}"
}

resource "null_resource" "set" {
  for_each = toset(["blue", "green"])
  triggers = {
    colour = upper(each.value)
  }
}

output "zone_inputs" {
  value = terraform_data.zone[*].input
}

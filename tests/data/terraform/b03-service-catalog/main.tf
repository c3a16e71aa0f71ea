locals {
  public_services = { for name, s in var.services : name => s if s.public }
  replicas = flatten([
    for name, s in var.services : [
      for i in range(s.replicas) : { key = "${name}-${i}", service = name, port = s.port }
    ]
  ])
}

resource "terraform_data" "service" {
  for_each = var.services
  input = {
    name     = each.key
    port     = each.value.port
    team     = each.value.team
    env_vars = each.value.env_vars
  }
}

resource "terraform_data" "replica" {
  for_each = { for r in local.replicas : r.key => r }
  input    = "${each.value.service}:${each.value.port}"

  depends_on = [terraform_data.service]
}

resource "null_resource" "public_endpoint" {
  for_each = local.public_services
  triggers = {
    url = "https://${each.key}.example.com:${each.value.port}"
  }
}

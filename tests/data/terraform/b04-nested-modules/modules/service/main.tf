variable "name" {
  type = string
}

variable "endpoints" {
  type = list(string)
}

variable "tags" {
  type = map(string)
}

resource "terraform_data" "service" {
  input = merge(var.tags, { Service = var.name })
}

module "endpoint" {
  source = "./modules/endpoint"

  service   = terraform_data.service.output.Service
  paths     = var.endpoints
}

output "routes" {
  value = module.endpoint.routes
}

terraform {
  required_version = ">= 1.5"
}

variable "environment" {
  type    = string
  default = "staging"

  validation {
    condition     = contains(["staging", "production"], var.environment)
    error_message = "The environment must be staging or production."
  }
}

variable "zones" {
  type    = list(string)
  default = ["a", "b"]
}

variable "banner" {
  type    = string
  default = "literal $${not.a.reference}"
}

locals {
  name   = "shop-${var.environment}"
  labels = { for z in var.zones : z => upper(z) }
}

resource "terraform_data" "zone" {
  count = length(var.zones)
  input = "${local.name}-${var.zones[count.index]}"

  lifecycle {
    create_before_destroy = true
    ignore_changes        = [input]
  }
}

resource "terraform_data" "label" {
  for_each   = local.labels
  input      = { zone = each.key, label = each.value, quoted = "say \"${each.value}\"", banner = var.banner }
  depends_on = [terraform_data.zone]

  lifecycle {
    precondition {
      condition     = length(each.value) > 0
      error_message = "Labels are not empty."
    }
  }
}

resource "null_resource" "trigger" {
  triggers = {
    zones = join(",", terraform_data.zone[*].input)
  }
}

output "zone_inputs" {
  value = terraform_data.zone[*].input
}

output "labels" {
  value       = { for k, v in terraform_data.label : k => v.input.label }
  description = "Labels by zone."
}

output "secret" {
  value     = "${local.name}-token"
  sensitive = true
}

variable "owner" {
  type    = string
  default = "Ops Team"
}

locals {
  tags = merge({ owner = var.owner }, { managed_by = "stack" })
  slug = replace(lower(var.owner), " ", "-")
  sizes = [for n in range(3) : n * 10 if n > 0]
}

resource "terraform_data" "tagged" {
  input = {
    tags  = local.tags
    slug  = local.slug
    sizes = local.sizes
    cond  = length(local.sizes) > 1 ? "many" : "few"
    json  = jsonencode({ a = 1 })
  }
}

output "slug" {
  value = local.slug
}

output "sizes" {
  value = local.sizes
}

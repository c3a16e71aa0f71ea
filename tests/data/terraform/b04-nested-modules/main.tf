module "checkout" {
  source = "./modules/service"

  name      = "checkout"
  endpoints = ["/cart", "/pay"]
  tags      = local.tags
}

module "search" {
  source = "./modules/service"

  name      = "search"
  endpoints = ["/query"]
  tags      = local.tags
}

locals {
  tags = {
    Stack = "storefront"
    Env   = var.environment
  }
}

output "routes" {
  value = concat(module.checkout.routes, module.search.routes)
}

output "subnets" {
  value = module.net.subnets
}

output "app" {
  value = module.app.summary
}

module "app" {
  source = "./modules/app"
  name   = "shop"
  envs   = ["dev", "prod"]
}

output "app_names" {
  value = module.app.names
}

output "db_name" {
  value = module.app.db_name
}

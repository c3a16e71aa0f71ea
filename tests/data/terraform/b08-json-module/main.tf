module "records" {
  source = "./modules/dns-records"

  zone = "example.com"
  records = {
    www = "203.0.113.10"
    api = "203.0.113.11"
  }
}

output "fqdns" {
  value = module.records.fqdns
}

module "net" {
  source = "./modules/net"
  cidr   = "10.0.0.0/16"
}

output "vpc" {
  value = module.net.vpc_idd
}

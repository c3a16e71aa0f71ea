module "net" {
  source = "./modules/net"
  cidr   = "10.0.0.0/16"
  zones  = ["a", "b"]
}

module "app" {
  source     = "./modules/app"
  subnets    = module.net.subnets
  depends_on = [module.net]
}

moved {
  from = terraform_data.old
  to   = terraform_data.marker
}

resource "terraform_data" "marker" {
  input = "v1"
}

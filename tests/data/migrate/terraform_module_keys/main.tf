module "web" {
  source = "./modules/web"
  count  = 2
  name   = "web-${count.index}"
}

module "site" {
  source   = "./modules/web"
  for_each = toset(["blue", "green"])
  name     = each.key
}

locals {
  name = "web"
}

resource "terraform_data" "a" {
  input = local.nmae
}

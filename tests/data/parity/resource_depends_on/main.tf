# depends_on naming resources, a local, a variable and a module.
resource "terraform_data" "a" {
}

variable "v" {
  default = 1
}

locals {
  l = 1
}

module "m" {
  source = "./child"
}

resource "terraform_data" "b" {
  depends_on = [terraform_data.a, var.v, local.l, module.m]
}

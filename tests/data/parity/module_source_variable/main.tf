# A module source must be a literal string.
variable "dir" {
  default = "./child"
}

module "m" {
  source = var.dir
}

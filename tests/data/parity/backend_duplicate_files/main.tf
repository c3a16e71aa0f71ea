# Two backend blocks in two files of one module.
terraform {
  backend "local" {
  }
}

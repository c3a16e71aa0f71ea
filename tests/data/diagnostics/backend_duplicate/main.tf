# configs/module.go: at most one backend block.
terraform {
  backend "local" {
  }
  backend "local" {
    path = "other.tfstate"
  }
}

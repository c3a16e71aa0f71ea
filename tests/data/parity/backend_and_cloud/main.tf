# configs/module.go: a cloud block and a backend block conflict.
terraform {
  cloud {
    organization = "example"
    workspaces {
      name = "example"
    }
  }
  backend "local" {
  }
}

# configs/module.go: one required_providers block per module.
terraform {
  required_providers {
    null = {
      source = "hashicorp/null"
    }
  }
  required_providers {
    null = {
      source = "hashicorp/null"
    }
  }
}

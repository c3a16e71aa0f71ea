# A terraform block with required_version, required_providers and a backend.
terraform {
  required_version = ">= 1.0, < 2.0"

  required_providers {
    null = {
      source  = "hashicorp/null"
      version = "~> 2.1"
    }
  }

  backend "local" {
    path = "other.tfstate"
  }
}

resource "null_resource" "a" {
}

terraform {
  required_providers {
    null = {
      source                = "hashicorp/null"
      configuration_aliases = [null.other]
    }
  }
}

resource "null_resource" "a" {
  provider = null.other
}

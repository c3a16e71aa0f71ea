# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.
# (Test data: stack does not read this file; the hash is a placeholder.)

provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.67.0"
  constraints = "~> 5.0"
  hashes = [
    "h1:placeholder0000000000000000000000000000000000=",
  ]
}

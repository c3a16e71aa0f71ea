# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.
# (Test data: stack does not read this file; the hash is a placeholder.)

provider "registry.terraform.io/hashicorp/random" {
  version     = "3.6.3"
  constraints = "~> 3.6"
  hashes = [
    "h1:placeholder0000000000000000000000000000000000=",
  ]
}

# An argument the provider's configuration schema does not have.
provider "null" {
  region = "x"
}

resource "null_resource" "a" {
}

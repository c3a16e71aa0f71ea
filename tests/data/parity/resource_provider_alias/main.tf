# The provider meta-argument selecting an aliased provider configuration.
provider "null" {
  alias = "second"
}

resource "null_resource" "a" {
  provider = null.second
}

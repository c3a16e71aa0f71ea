# The provider meta-argument takes a reference, not a string.
provider "null" {
  alias = "second"
}

resource "null_resource" "a" {
  provider = "null.second"
}

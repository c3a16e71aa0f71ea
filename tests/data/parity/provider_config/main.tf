# A default and an aliased configuration of one provider.
provider "null" {
}

provider "null" {
  alias = "second"
}

resource "null_resource" "a" {
}

resource "null_resource" "b" {
  provider = null.second
}

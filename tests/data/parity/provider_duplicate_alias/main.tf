# configs/module.go: one configuration per provider and alias.
provider "null" {
  alias = "second"
}

provider "null" {
  alias = "second"
}

# configs/module.go: one default configuration per provider.
provider "null" {
}

provider "null" {
}

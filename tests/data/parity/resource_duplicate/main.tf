# configs/module.go: one resource per type and name in a module.
resource "terraform_data" "a" {
}

resource "terraform_data" "a" {
}

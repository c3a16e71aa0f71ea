resource "random_password" "admin" {
  special = false
}

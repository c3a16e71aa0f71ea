# A called module cannot name its caller's resources.
resource "terraform_data" "a" {
}

module "m" {
  source = "./child"
}

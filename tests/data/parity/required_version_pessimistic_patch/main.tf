# ~> 1.14.0 allows 1.14.x only.
terraform {
  required_version = "~> 1.14.0"
}

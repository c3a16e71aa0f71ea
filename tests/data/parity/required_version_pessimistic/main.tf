# ~> 1.15 allows any 1.x from 1.15 on.
terraform {
  required_version = "~> 1.15"
}

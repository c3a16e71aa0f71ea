# An exact version (with and without the = operator).
terraform {
  required_version = "1.15.5"
}

terraform {
  required_version = "= 1.15.5"
}

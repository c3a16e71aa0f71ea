# A constraint that does not parse.
terraform {
  required_version = "newest"
}

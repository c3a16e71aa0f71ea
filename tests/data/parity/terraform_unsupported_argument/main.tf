# An argument terraform blocks do not have.
terraform {
  required_versoin = ">= 1.0"
}

# A configuration written for a later Terraform.
terraform {
  required_version = ">= 2.0"
}

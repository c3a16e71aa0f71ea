# required_version must be a literal string.
variable "v" {
  default = ">= 1.0"
}

terraform {
  required_version = var.v
}

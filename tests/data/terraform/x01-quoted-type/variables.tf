# Carried over from a Terraform 0.11 module.
variable "region" {
  type    = "string"
  default = "us-east-1"
}

variable "zones" {
  type    = "list"
  default = ["a", "b"]
}

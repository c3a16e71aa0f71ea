# The bare list and map type keywords of Terraform 0.11 (list(any), map(any)).
variable "items" {
  type    = list
  default = []
}

variable "tags" {
  type    = map
  default = {}
}

# The same with an unknown condition: the types are checked all the same.
variable "flag" {
  type = bool
}

locals {
  a = var.flag ? [1] : "one"
}

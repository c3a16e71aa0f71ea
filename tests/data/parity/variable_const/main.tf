# A const variable, known before anything else is evaluated.
variable "region" {
  type    = string
  default = "eu-west-1"
  const   = true
}

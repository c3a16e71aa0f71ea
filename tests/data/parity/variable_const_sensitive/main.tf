# configs/named_values.go: a const variable cannot be sensitive.
variable "region" {
  type      = string
  default   = "eu-west-1"
  const     = true
  sensitive = true
}

# An output whose value is sensitive must be marked sensitive too.
variable "token" {
  default   = "x"
  sensitive = true
}

output "token" {
  value = var.token
}

variable "token" {
  default   = "x"
  sensitive = true
}

output "token" {
  value = var.token
}

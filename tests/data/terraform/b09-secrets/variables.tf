variable "db_password" {
  type      = string
  sensitive = true
}

variable "api_keys" {
  type      = map(string)
  sensitive = true
  default   = {}
}

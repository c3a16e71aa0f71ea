variable "app_port" {
  type    = number
  default = 8080
}

variable "debug" {
  type    = bool
  default = false
}

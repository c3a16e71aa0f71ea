# sensitive must be a boolean.
variable "token" {
  default   = "x"
  sensitive = "yes"
}

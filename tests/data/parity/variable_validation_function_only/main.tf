# A validation calling functions on its own variable is fine.
variable "cidr" {
  default = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.cidr, 0))
    error_message = "The value must be a CIDR block."
  }
}

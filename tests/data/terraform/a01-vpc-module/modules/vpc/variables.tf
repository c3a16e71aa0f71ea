variable "name" {
  type = string
}

variable "cidr_block" {
  type = string

  validation {
    condition     = can(cidrhost(var.cidr_block, 0))
    error_message = "cidr_block must be a CIDR range."
  }
}

variable "public_subnets" {
  description = "Availability zone => CIDR of the public subnet there."
  type        = map(string)
}

variable "private_subnets" {
  type = map(string)
}

variable "name" {
  type = string
}

variable "cidr_block" {
  type        = string
  description = "The network's address range."
}

resource "terraform_data" "network" {
  input = "${var.name}: ${var.cidr_block}"
}

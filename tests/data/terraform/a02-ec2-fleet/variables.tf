variable "instance_count" {
  type    = number
  default = 1
}

variable "instance_type" {
  type    = string
  default = "t3.micro"
}

variable "ami" {
  type    = string
  default = "ami-0123456789abcdef0"
}

variable "open_ports" {
  type    = list(number)
  default = [80]
}

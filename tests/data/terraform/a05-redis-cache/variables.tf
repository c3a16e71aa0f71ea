variable "zones" {
  type    = list(string)
  default = ["us-east-1a", "us-east-1b"]
}

variable "node_type" {
  type    = string
  default = "cache.t3.micro"
}

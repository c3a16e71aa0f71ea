variable "project" {
  type        = string
  description = "Short project name, used as a prefix for every resource."
}

variable "environment" {
  type    = string
  default = "dev"
}

variable "owner" {
  type    = string
  default = "platform-team"
}

variable "extra_tags" {
  type    = map(string)
  default = {}
}

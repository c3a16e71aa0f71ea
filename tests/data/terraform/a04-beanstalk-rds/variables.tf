variable "environment" {
  type = string
}

variable "app_version" {
  type = string
}

variable "db_instance_class" {
  type    = string
  default = "db.t3.micro"
}

variable "db_password" {
  type      = string
  sensitive = true
}

variable "max_instances" {
  type    = number
  default = 2
}

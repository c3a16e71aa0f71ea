variable "bucket_name" {
  type = string
}

variable "domain" {
  type = string
}

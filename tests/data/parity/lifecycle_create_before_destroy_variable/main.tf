# create_before_destroy must be a literal boolean.
variable "cbd" {
  default = true
}

resource "terraform_data" "a" {
  lifecycle {
    create_before_destroy = var.cbd
  }
}

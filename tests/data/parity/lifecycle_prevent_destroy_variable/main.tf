# Terraform requires a literal for prevent_destroy: variables are not allowed in lifecycle.
variable "protect" {
  default = true
}

resource "terraform_data" "a" {
  lifecycle {
    prevent_destroy = var.protect
  }
}

# configs/resource.go: replace_triggered_by may only name resources.
variable "v" {
  default = 1
}

resource "terraform_data" "a" {
  lifecycle {
    replace_triggered_by = [var.v]
  }
}

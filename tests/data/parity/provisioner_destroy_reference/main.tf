# A destroy-time provisioner may refer only to its own object.
variable "v" {
  default = "x"
}
resource "terraform_data" "o" {}
resource "terraform_data" "d" {
  provisioner "local-exec" {
    when        = destroy
    command     = "echo ${terraform_data.o.id}"
    working_dir = var.v
  }
}

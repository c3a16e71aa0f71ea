# A provisioner type Terraform does not have.
resource "terraform_data" "d" {
  provisioner "nonesuch" {
  }
}

# local-exec has no argument named "script".
resource "terraform_data" "d" {
  provisioner "local-exec" {
    command = "true"
    script  = "x.sh"
  }
}

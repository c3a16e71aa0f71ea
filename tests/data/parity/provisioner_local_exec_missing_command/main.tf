# local-exec needs a command.
resource "terraform_data" "d" {
  provisioner "local-exec" {
    working_dir = "/tmp"
  }
}

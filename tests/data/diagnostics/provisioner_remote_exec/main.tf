resource "terraform_data" "web" {
  provisioner "remote-exec" {
    inline = ["sudo systemctl restart app"]
  }

  connection {
    type = "ssh"
    host = "10.0.0.5"
  }
}

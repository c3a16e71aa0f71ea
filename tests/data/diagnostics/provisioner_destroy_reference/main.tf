variable "bucket" {
  type    = string
  default = "backups"
}

resource "terraform_data" "db" {
  provisioner "local-exec" {
    when    = destroy
    command = "backup ${self.id} ${var.bucket}"
  }
}

resource "terraform_data" "release" {
  input = var.release
}

resource "null_resource" "notify" {
  triggers = {
    release = terraform_data.release.output
  }

  provisioner "local-exec" {
    command     = "echo \"released $RELEASE\" > release.log"
    environment = {
      RELEASE = terraform_data.release.output
    }
  }
}

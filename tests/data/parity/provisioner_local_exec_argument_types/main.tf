# interpreter is a list of strings, environment a map of strings.
resource "terraform_data" "d" {
  provisioner "local-exec" {
    command     = "true"
    interpreter = "bash"
    environment = "A=1"
  }
}

# A provisioner block in a resource (validated, not run).
resource "null_resource" "a" {
  provisioner "local-exec" {
    command = "echo hello"
  }
}

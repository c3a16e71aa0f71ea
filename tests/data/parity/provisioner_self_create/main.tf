# A create-time provisioner may use self and other resources, all arguments set.
resource "terraform_data" "other" {}
resource "terraform_data" "d" {
  for_each = toset(["a"])
  input    = each.key
  provisioner "local-exec" {
    command     = "echo ${self.output} ${terraform_data.other.id} ${each.value}"
    interpreter = ["/bin/bash", "-c"]
    environment = { KEY = each.key, N = 1 }
    working_dir = path.module
    quiet       = true
  }
}

# when and on_failure take keywords.
resource "terraform_data" "d" {
  provisioner "local-exec" {
    command    = "true"
    when       = later
    on_failure = maybe
  }
}

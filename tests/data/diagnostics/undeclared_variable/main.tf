resource "null_resource" "a" {
  triggers = {
    region = var.region
  }
}

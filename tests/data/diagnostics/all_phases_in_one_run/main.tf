resourse "null_resource" "a" {}
resource "null_resource" "b" {
  trigers = {}
}
resource "null_resource" "b" {}
output "x" { value = var.nope }

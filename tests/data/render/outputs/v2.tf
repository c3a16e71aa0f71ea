output "a" {
  value = "y"
}
output "longer_name" {
  value = { k = 2, j = 2 }
}
output "new" {
  value = terraform_data.x.id
}
output "s" {
  value     = "r"
  sensitive = true
}
resource "terraform_data" "x" {}

# A reference to an attribute the resource type does not have.
resource "terraform_data" "a" {
}

output "a" {
  value = terraform_data.a.nowhere
}

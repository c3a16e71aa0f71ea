# A reference to a resource declared nowhere.
output "a" {
  value = terraform_data.nowhere.id
}

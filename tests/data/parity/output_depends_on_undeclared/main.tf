# An output's depends_on naming a resource declared nowhere.
output "a" {
  value      = 1
  depends_on = [terraform_data.nowhere]
}

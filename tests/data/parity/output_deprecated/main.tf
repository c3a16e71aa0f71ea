# An output marked deprecated (Terraform 1.15).
output "old" {
  value      = 1
  deprecated = "Use new instead."
}

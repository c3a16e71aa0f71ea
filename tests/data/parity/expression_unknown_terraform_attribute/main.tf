# terraform.* has only workspace.
output "x" {
  value = terraform.nowhere
}

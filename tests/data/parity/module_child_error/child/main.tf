output "a" {
  value = var.nowhere
}

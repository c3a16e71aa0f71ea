# A reference to a local value defined nowhere.
output "a" {
  value = local.nowhere
}

# path.* has only module, root and cwd.
output "x" {
  value = path.nowhere
}

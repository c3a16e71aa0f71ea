# An output needs a value.
output "a" {
  description = "Nothing."
}

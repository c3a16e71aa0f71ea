# An output block takes one label.
output "a" "b" {
  value = 1
}

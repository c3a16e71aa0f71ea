# configs/named_values.go: an output name must be an identifier.
output "1st" {
  value = 1
}

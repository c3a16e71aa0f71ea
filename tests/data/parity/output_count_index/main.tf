# count.index outside a counted block.
output "i" {
  value = count.index
}

# An output with a type constraint its value converts to.
output "n" {
  value = 1
  type  = string
}

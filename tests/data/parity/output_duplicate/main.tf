# configs/module.go: an output is defined once.
output "a" {
  value = 1
}

output "a" {
  value = 2
}

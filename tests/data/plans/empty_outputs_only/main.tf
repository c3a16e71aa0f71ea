output "greeting" {
  value = "hello"
}

output "numbers" {
  value = { one = 1, two = 2 }
}

output "a" {
  value = "x"
}
output "longer_name" {
  value = { k = 1, j = 2 }
}
output "s" {
  value     = "q"
  sensitive = true
}
output "gone" {
  value = ["p", "q"]
}

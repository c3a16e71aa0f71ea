# for_each over a map, with each.key and each.value.
resource "terraform_data" "a" {
  for_each = { x = 1, y = 2 }
  input    = "${each.key}=${each.value}"
}

output "x" {
  value = terraform_data.a["x"].output
}

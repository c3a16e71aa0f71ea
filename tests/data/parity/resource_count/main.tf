# count with count.index inside the body and an index in a reference.
resource "terraform_data" "a" {
  count = 2
  input = "item-${count.index}"
}

output "first" {
  value = terraform_data.a[0].output
}

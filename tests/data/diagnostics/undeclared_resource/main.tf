resource "terraform_data" "a" {
  input = "x"
}

output "id" {
  value = terraform_data.b.id
}

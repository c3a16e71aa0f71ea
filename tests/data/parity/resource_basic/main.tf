# A managed resource with a provider argument and an output reading it.
resource "terraform_data" "a" {
  input = "hello"
}

output "a" {
  value = terraform_data.a.output
}

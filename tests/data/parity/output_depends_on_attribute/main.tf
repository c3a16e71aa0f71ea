# An output's depends_on must name whole objects too.
resource "terraform_data" "a" {
}

output "a" {
  value      = 1
  depends_on = [terraform_data.a.id]
}

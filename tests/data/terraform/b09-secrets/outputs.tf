output "connection_password" {
  value     = terraform_data.connection.output.password
  sensitive = true
}

output "password_length" {
  value = nonsensitive(length(var.db_password))
}

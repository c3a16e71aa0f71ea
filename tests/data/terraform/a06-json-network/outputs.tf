output "subnet_ids" {
  value = aws_subnet.app[*].id
}

output "security_group_id" {
  value = aws_security_group.app.id
}

output "primary_endpoint" {
  value = aws_elasticache_replication_group.sessions.primary_endpoint_address
}

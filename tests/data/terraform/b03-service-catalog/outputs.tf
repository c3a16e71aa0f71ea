output "replica_count" {
  value = length(terraform_data.replica)
}

output "teams" {
  value = distinct([for s in var.services : s.team])
}

output "public_urls" {
  value = { for k, e in null_resource.public_endpoint : k => e.triggers.url }
}

output "audit_log_id" {
  value = one(terraform_data.audit_log[*].id)
}

output "metrics_enabled" {
  value = length(terraform_data.metrics) > 0
}

output "replica_regions" {
  value = sort(keys(null_resource.regional_replica))
}

output "first_replica" {
  value = try(null_resource.regional_replica["eu-west-1"].triggers.region, "none")
}

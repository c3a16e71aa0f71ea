output "name_prefix" {
  description = "Prefix applied to every resource name."
  value       = local.name_prefix
}

output "tags" {
  value = terraform_data.naming.output.tags
}

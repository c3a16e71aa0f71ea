module "policy" {
  source   = "./modules/bucket-policy"
  for_each = var.buckets

  bucket     = each.key
  read_roles = each.value
}

output "policies" {
  value = { for k, m in module.policy : k => m.statement_count }
}

resource "terraform_data" "audit_log" {
  count = var.enable_audit_log ? 1 : 0
  input = "audit"
}

resource "terraform_data" "metrics" {
  count = var.enable_metrics ? 1 : 0
  input = "metrics"
}

resource "null_resource" "regional_replica" {
  for_each = toset([for r in var.regions : r if r != "us-east-1"])
  triggers = {
    region = each.value
  }
}

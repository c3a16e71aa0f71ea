resource "terraform_data" "schema_version" {
  input = var.schema_version
}

resource "terraform_data" "database" {
  input = "orders-db"

  lifecycle {
    prevent_destroy = false
    ignore_changes  = [input]
  }
}

resource "terraform_data" "migration" {
  input = "migrate to ${var.schema_version}"

  lifecycle {
    replace_triggered_by = [terraform_data.schema_version]
  }

  depends_on = [terraform_data.database]
}

resource "null_resource" "cache_warmer" {
  triggers = {
    migration = terraform_data.migration.id
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "terraform_data" "connection" {
  input = {
    url      = "postgres://app@db.internal:5432/app"
    password = var.db_password
  }
}

resource "null_resource" "key_rotation" {
  triggers = {
    key_count = nonsensitive(length(var.api_keys))
  }
}

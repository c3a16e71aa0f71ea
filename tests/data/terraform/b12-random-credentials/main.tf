resource "random_id" "bucket_suffix" {
  byte_length = 4
}

resource "random_password" "admin" {
  length  = 24
  special = false
}

resource "terraform_data" "bucket" {
  input = "artifacts-${random_id.bucket_suffix.hex}"
}

output "bucket" {
  value = terraform_data.bucket.output
}

output "admin_password" {
  value     = random_password.admin.result
  sensitive = true
}

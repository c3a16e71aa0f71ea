variable "token" {
  type      = string
  sensitive = true
  default   = "s3cr3t-token"
}

resource "terraform_data" "uses_token" {
  input = var.token
}

resource "random_password" "pw" {
  length = 16
}

resource "local_sensitive_file" "key" {
  filename = "${path.module}/out/key.pem"
  content  = "PRIVATE"
}

output "token" {
  value     = var.token
  sensitive = true
}

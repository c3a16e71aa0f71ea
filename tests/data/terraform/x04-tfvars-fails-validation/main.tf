resource "terraform_data" "env" {
  input = var.environment
}

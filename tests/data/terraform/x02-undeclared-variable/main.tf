resource "terraform_data" "app" {
  input = "${var.environment}-${var.region}"
}

resource "terraform_data" "a" {
  for_each = ["x", "y"]
  input    = each.key
}

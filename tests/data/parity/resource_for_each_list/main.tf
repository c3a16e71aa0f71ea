# command: plan
# for_each does not accept a list (order-dependent keys); toset() is the fix.
resource "terraform_data" "a" {
  for_each = ["a", "b"]
}

# command: plan
# A for expression producing a duplicate key.
resource "terraform_data" "a" {
  for_each = { for s in ["a", "a"] : s => s }
}

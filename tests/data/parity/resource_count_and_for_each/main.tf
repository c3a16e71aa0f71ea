# configs/resource.go: count and for_each are mutually exclusive.
resource "terraform_data" "a" {
  count    = 1
  for_each = toset(["a"])
}

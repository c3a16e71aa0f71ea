# configs/resource.go: a resource name must be a valid identifier.
resource "terraform_data" "1st" {
}

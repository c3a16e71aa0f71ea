# configs/resource.go: block types reserved for future meta-blocks.
resource "terraform_data" "a" {
  locals {
  }
}

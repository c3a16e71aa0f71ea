# configs/provider.go: an alias must be an identifier.
provider "null" {
  alias = "1st"
}

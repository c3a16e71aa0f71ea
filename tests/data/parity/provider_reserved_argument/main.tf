# configs/provider.go: meta-argument names are reserved in provider blocks.
provider "null" {
  count = 1
}

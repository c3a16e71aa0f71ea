# configs/resource.go: count and for_each are exclusive on data blocks too.
data "null_data_source" "a" {
  count    = 1
  for_each = toset(["a"])
}

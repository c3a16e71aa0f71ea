# configs/resource.go: data resources accept only conditions in lifecycle.
data "null_data_source" "a" {
  lifecycle {
    create_before_destroy = true
  }
}

resource "null_resource" "a" {
  provider = null.second
}

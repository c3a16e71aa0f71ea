resource "null_resource" "n" {
  triggers = { a = "1", b = "22", c = "3" }
}

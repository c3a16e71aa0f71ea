# ignore_changes naming an element inside an attribute.
resource "terraform_data" "a" {
  input = { a = 1 }

  lifecycle {
    ignore_changes = [input["a"]]
  }
}

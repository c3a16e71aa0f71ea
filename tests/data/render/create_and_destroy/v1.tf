resource "terraform_data" "gone" {
  input = { a = [1, 2], m = { x = "y" }, s = "multi\nline\n" }
}

resource "terraform_data" "new" {
  input = { a = [1, 2], m = { x = "y", u = terraform_data.new2.id }, s = "multi\nline\n", e = [], j = jsonencode({ a = 1, b = [1, 2] }) }
}
resource "terraform_data" "new2" {
}

# count must be a number.
resource "terraform_data" "a" {
  count = "two"
}

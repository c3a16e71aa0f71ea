# count.index in a resource without count.
resource "terraform_data" "a" {
  input = count.index
}

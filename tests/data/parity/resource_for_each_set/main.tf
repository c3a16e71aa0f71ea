# for_each over a set of strings.
resource "terraform_data" "a" {
  for_each = toset(["a", "b"])
  input    = each.value
}

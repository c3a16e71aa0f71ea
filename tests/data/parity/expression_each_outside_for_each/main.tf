# each.key in a resource without for_each.
resource "terraform_data" "a" {
  input = each.key
}

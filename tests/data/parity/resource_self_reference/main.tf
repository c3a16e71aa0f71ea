# command: plan
# A resource cannot refer to itself by name (only through self in conditions).
resource "terraform_data" "a" {
  input = terraform_data.a.id
}

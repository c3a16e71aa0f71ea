# command: plan
# count must be a whole number of zero or more (checked when count is evaluated).
resource "terraform_data" "a" {
  count = -1
}

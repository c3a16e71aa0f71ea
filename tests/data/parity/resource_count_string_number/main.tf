# command: plan
# A string holding a number converts to a count, as everywhere in Terraform.
resource "terraform_data" "a" {
  count = "2"
}

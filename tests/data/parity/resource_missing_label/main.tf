# A resource block needs a type and a name.
resource "terraform_data" {
}

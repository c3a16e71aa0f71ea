# A resource type that the (built-in) terraform provider does not offer.
resource "terraform_thing" "a" {
}

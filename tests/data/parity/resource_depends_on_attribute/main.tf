# depends_on must name a whole object, not one of its attributes.
resource "terraform_data" "a" {
}

resource "terraform_data" "b" {
  depends_on = [terraform_data.a.output]
}

# depends_on may name one instance of a counted resource.
resource "terraform_data" "a" {
  count = 2
}

resource "terraform_data" "b" {
  depends_on = [terraform_data.a[0]]
}

# self is only available in postconditions, provisioners and connections.
resource "terraform_data" "a" {
  input = self.id
}

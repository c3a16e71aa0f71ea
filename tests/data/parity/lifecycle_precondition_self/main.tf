# configs/checks.go: self is only available in postconditions.
resource "terraform_data" "a" {
  lifecycle {
    precondition {
      condition     = self.input == null
      error_message = "No input."
    }
  }
}

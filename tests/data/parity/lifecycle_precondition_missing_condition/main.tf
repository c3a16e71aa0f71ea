# A precondition needs a condition.
resource "terraform_data" "a" {
  lifecycle {
    precondition {
      error_message = "Never checked."
    }
  }
}

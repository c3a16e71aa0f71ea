# configs/checks.go: a condition may not name its own resource (self is for postconditions).
resource "terraform_data" "a" {
  input = "x"

  lifecycle {
    postcondition {
      condition     = terraform_data.a.output == "x"
      error_message = "The output must be x."
    }
  }
}

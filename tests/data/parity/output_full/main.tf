# Every argument of an output block, and a precondition.
resource "terraform_data" "a" {
  input = "x"
}

output "a" {
  value       = terraform_data.a.output
  description = "The stored value."
  sensitive   = true
  depends_on  = [terraform_data.a]

  precondition {
    condition     = terraform_data.a.input != ""
    error_message = "The input must not be empty."
  }
}

# configs/named_values.go: outputs take preconditions only.
output "a" {
  value = 1

  postcondition {
    condition     = true
    error_message = "Never."
  }
}

# A condition that refers to nothing checks nothing.
output "a" {
  value = 1

  precondition {
    condition     = 1 == 1
    error_message = "Never fails."
  }
}

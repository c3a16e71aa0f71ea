# command: plan
# nonsensitive() of a value that is not sensitive.
output "a" {
  value = nonsensitive("x")
}

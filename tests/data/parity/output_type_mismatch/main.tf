# command: plan
# An output whose value does not convert to its type.
output "n" {
  value = "abc"
  type  = number
}

# command: plan
# jsondecode() of text that is not JSON.
output "a" {
  value = jsondecode("{not json")
}

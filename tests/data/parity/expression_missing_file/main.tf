# command: plan
# file() of a file that does not exist.
output "x" {
  value = file("${path.module}/missing.txt")
}

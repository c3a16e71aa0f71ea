# command: plan
# templatefile() of a file that does not exist.
output "a" {
  value = templatefile("${path.module}/missing.tftpl", {})
}

# command: plan
# An output of a sensitive value, marked sensitive; and nonsensitive().
variable "token" {
  default   = "x"
  sensitive = true
}

output "token" {
  value     = var.token
  sensitive = true
}

output "length" {
  value = nonsensitive(length(var.token))
}

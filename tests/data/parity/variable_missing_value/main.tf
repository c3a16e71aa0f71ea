# command: plan
# A root variable with no default and no value given.
variable "name" {
  type = string
}

output "name" {
  value = var.name
}

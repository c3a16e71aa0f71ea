# command: plan
# Numbers in a list(string) default convert to strings; a set drops duplicates.
variable "names" {
  type    = list(string)
  default = [1, "b"]
}

variable "tags" {
  type    = set(string)
  default = ["a", "a"]
}

output "n" {
  value = [var.names, length(var.tags)]
}

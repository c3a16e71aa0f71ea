# command: plan
# for_each over a map of objects, each.value's attributes in the body.
variable "servers" {
  default = {
    web = { size = 1 }
    db  = { size = 2 }
  }
}

resource "terraform_data" "a" {
  for_each = var.servers
  input    = each.value.size
}

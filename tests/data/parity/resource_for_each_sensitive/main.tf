# command: plan
# for_each over a sensitive value would reveal it in instance addresses.
variable "names" {
  type      = set(string)
  default   = ["a"]
  sensitive = true
}

resource "terraform_data" "a" {
  for_each = var.names
}

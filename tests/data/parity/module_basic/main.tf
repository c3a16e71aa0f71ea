# A module call with an argument, depends_on, and a reference to its output.
resource "terraform_data" "first" {
}

module "m" {
  source     = "./child"
  name       = "x"
  depends_on = [terraform_data.first]
}

output "id" {
  value = module.m.id
}

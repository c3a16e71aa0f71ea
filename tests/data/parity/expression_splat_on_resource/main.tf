# command: plan
# Splats over counted resources and for_each maps with values().
resource "terraform_data" "a" {
  count = 2
  input = count.index
}

resource "terraform_data" "b" {
  for_each = toset(["x"])
}

output "ids" {
  value = [length(terraform_data.a[*].id), length(values(terraform_data.b))]
}

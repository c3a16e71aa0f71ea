# A data source with depends_on and for_each.
resource "terraform_data" "a" {
}

data "null_data_source" "d" {
  for_each   = toset(["x"])
  depends_on = [terraform_data.a]
  inputs = {
    key = each.key
  }
}

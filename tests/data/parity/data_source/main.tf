# A data source (the null provider's), with count.
data "null_data_source" "a" {
  count = 1
  inputs = {
    name = "x"
  }
}

output "name" {
  value = data.null_data_source.a[0].outputs["name"]
}

# configs/module.go: one data source per type and name in a module.
data "null_data_source" "a" {
}

data "null_data_source" "a" {
}

# A data source's depends_on naming a data source declared nowhere.
data "null_data_source" "a" {
  depends_on = [data.null_data_source.nowhere]
}

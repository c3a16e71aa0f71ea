# Issue 15's example: depends_on naming a resource declared nowhere.
resource "time_sleep" "wait" {
  create_duration = "30s"
  depends_on      = [null_resource.previous]
}

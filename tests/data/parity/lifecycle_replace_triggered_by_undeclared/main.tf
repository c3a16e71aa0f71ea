# command: plan
# replace_triggered_by naming a resource declared nowhere.
resource "terraform_data" "a" {
  lifecycle {
    replace_triggered_by = [terraform_data.nowhere]
  }
}

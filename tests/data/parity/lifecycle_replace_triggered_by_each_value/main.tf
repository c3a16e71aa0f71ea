# configs/resource.go: only each.key may pick the instance in replace_triggered_by.
resource "terraform_data" "a" {
  for_each = { x = "y" }
}

resource "terraform_data" "b" {
  for_each = { x = "y" }

  lifecycle {
    replace_triggered_by = [terraform_data.a[each.value]]
  }
}

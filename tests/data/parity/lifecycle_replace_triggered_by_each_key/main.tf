# each.key and count.index may pick the instance in replace_triggered_by.
resource "terraform_data" "a" {
  for_each = toset(["x"])
}

resource "terraform_data" "b" {
  for_each = toset(["x"])

  lifecycle {
    replace_triggered_by = [terraform_data.a[each.key]]
  }
}

resource "terraform_data" "c" {
  count = 1
}

resource "terraform_data" "d" {
  count = 1

  lifecycle {
    replace_triggered_by = [terraform_data.c[count.index].output]
  }
}

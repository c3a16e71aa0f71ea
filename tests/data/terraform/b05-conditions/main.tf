resource "terraform_data" "node" {
  count = var.instance_count
  input = "node-${count.index}"

  lifecycle {
    precondition {
      condition     = count.index < 5
      error_message = "At most five nodes."
    }

    postcondition {
      condition     = startswith(self.output, "node-")
      error_message = "Node names start with node-."
    }
  }
}

resource "null_resource" "window" {
  triggers = {
    window = var.maintenance_window
  }
}

check "window_is_on_sunday" {
  assert {
    condition     = startswith(var.maintenance_window, "sun")
    error_message = "Maintenance should happen on Sunday."
  }
}

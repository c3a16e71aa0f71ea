resource "terraform_data" "first" {
  input = "one"
}

resource "terraform_data" "second" {
  input      = "two"
  depends_on = [terraform_data.first]

  lifecycle {
    create_before_destroy = true
    ignore_changes        = [input]
  }
}

resource "null_resource" "guarded" {
  triggers = {
    after = terraform_data.second.output
  }

  lifecycle {
    prevent_destroy = true
  }
}

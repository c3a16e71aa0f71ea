# A removed block: forget an object without destroying it.
removed {
  from = terraform_data.old

  lifecycle {
    destroy = false
  }
}

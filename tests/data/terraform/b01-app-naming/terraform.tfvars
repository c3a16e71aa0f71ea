project     = "billing"
environment = "staging"
extra_tags = {
  CostCenter = "cc-1042"
}

buckets = {
  logs      = ["auditor"]
  artifacts = ["ci", "deployer"]
}

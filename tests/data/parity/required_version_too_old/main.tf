# A configuration pinned below the implemented version.
terraform {
  required_version = "< 1.10"
}

# configs/module.go: prerelease versions in required_version are not supported.
terraform {
  required_version = ">= 1.15.0-beta1"
}

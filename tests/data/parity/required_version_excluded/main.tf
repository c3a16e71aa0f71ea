# != excludes one version; the others in the list all hold.
terraform {
  required_version = ">= 1.0, != 1.15.5"
}

# A variable marked deprecated (Terraform 1.15).
variable "old_name" {
  default    = "x"
  deprecated = "Use new_name instead."
}

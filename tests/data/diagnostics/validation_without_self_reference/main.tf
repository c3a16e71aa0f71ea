# configs/named_values.go: a validation condition must refer to the variable it validates.
variable "name" {
  default = "x"

  validation {
    condition     = true
    error_message = "Never fails."
  }
}

variable "enable_audit_log" {
  type    = bool
  default = false
}

variable "enable_metrics" {
  type    = bool
  default = true
}

variable "regions" {
  type    = list(string)
  default = ["us-east-1"]
}

variable "schema_version" {
  type    = string
  default = "v1"
}

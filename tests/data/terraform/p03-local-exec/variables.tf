variable "release" {
  type    = string
  default = "2024.06.1"
}

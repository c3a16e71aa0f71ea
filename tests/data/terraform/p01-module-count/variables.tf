variable "pool_count" {
  type    = number
  default = 1
}

# configs/named_values.go: names reserved for meta-arguments of module blocks.
variable "count" {
  default = 1
}

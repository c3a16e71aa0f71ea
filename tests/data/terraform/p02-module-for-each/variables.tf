variable "buckets" {
  type = map(list(string))
}

# An object default missing a required attribute.
variable "x" {
  type = object({
    name = string
    size = number
  })
  default = {
    name = "a"
  }
}

# An argument variable blocks do not have.
variable "a" {
  defualt = 1
}

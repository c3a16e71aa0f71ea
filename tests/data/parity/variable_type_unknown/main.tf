# An unknown type keyword.
variable "name" {
  type = strnig
}

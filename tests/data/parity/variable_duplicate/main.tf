# configs/module.go: a variable is declared once.
variable "a" {
  default = 1
}

variable "a" {
  default = 2
}

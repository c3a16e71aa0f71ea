# An ephemeral variable (never stored in state or plan files).
variable "token" {
  type      = string
  default   = "x"
  ephemeral = true
}

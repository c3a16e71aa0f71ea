variable "name" {
  type    = string
  default = "corpus-backups"
}

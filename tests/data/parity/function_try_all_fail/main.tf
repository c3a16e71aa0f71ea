# try() when every argument fails.
locals {
  a = try(local.b.c, local.b.d)
  b = {}
}

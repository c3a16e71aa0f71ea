# Values the function cases refer to (templatestring needs references).
locals {
  greeting = "Hello, $${name}!"
  lines    = ["a $${x}", "%%{ for v in vs }$${v};%%{ endfor }"]
  nested   = { body = "$${upper(who)}" }
  broken   = "$${"
  number   = 5
}

# command: plan
# Heredocs, strip markers and template directives.
locals {
  names = ["a", "b"]
  text  = <<-EOT
    %{~ for n in local.names ~}
    ${n}
    %{~ endfor ~}
  EOT
}

output "text" {
  value = trimspace(local.text)
}

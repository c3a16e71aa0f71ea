# A small stack that needs no cloud: it shows variables, locals, for_each,
# count, a module, a sensitive value and a file written to disk.

stack {
  name = "quickstart"
}

variable "greeting" {
  type        = string
  default     = "hello"
  description = "What the greeter says."

  validation {
    condition     = length(var.greeting) > 0
    error_message = "The greeting must not be empty."
  }
}

locals {
  people = toset(["ada", "grace"])
}

resource "random_id" "suffix" {
  byte_length = 4
}

resource "terraform_data" "greeting" {
  for_each = local.people
  input    = "${var.greeting}, ${each.key} (${random_id.suffix.hex})"
}

resource "null_resource" "shard" {
  count = 2
  triggers = {
    index = count.index
  }
}

module "greeter" {
  source   = "./modules/greeter"
  lines    = [for name in sort(keys(terraform_data.greeting)) : terraform_data.greeting[name].output]
  filename = "${path.module}/out/greeting.txt"
}

resource "random_password" "admin" {
  length  = 20
  special = false
}

output "greeting_file" {
  value = module.greeter.filename
}

output "admin_password" {
  value     = random_password.admin.result
  sensitive = true
}

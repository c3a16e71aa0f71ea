resource "terraform_data" "config" {
  input = {
    name  = "web"
    ports = [80, 443]
  }
}

resource "null_resource" "trigger" {
  triggers = {
    version = "1.2.3"
  }
}

resource "random_password" "db" {
  length  = 24
  special = false
}

resource "random_id" "suffix" {
  byte_length = 4
}

resource "time_sleep" "settle" {
  create_duration = "30s"
}

resource "local_file" "motd" {
  filename = "${path.module}/out/motd.txt"
  content  = "Welcome\nto the stack\n"
}

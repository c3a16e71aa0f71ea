locals {
  hosts = ["10.0.1.10", "10.0.1.11"]

  nginx_conf = templatefile("${path.module}/templates/nginx.conf.tftpl", {
    hosts = local.hosts
    port  = var.app_port
  })

  user_data = <<-EOT
    #!/bin/bash
    echo "port=${var.app_port}" > /etc/app.env
    %{ if var.debug }echo "debug=1" >> /etc/app.env%{ endif }
  EOT

  manifest = yamlencode({
    name  = "web"
    ports = [var.app_port]
  })
}

resource "terraform_data" "config" {
  input = {
    nginx     = local.nginx_conf
    user_data = local.user_data
    manifest  = local.manifest
    json      = jsonencode({ hosts = local.hosts })
  }
}

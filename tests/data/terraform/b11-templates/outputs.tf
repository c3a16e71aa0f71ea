output "nginx_conf" {
  value = terraform_data.config.output.nginx
}

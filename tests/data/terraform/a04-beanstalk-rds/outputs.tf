output "app_url" {
  value = aws_elastic_beanstalk_environment.web.cname
}

output "db_endpoint" {
  value = aws_db_instance.app.endpoint
}

locals {
  name = "corpus-${var.environment}"
}

resource "aws_s3_bucket" "bundles" {
  bucket        = "${local.name}-bundles"
  force_destroy = true
}

resource "aws_s3_object" "bundle" {
  bucket  = aws_s3_bucket.bundles.bucket
  key     = "app-${var.app_version}.zip"
  content = "placeholder bundle ${var.app_version}"
}

resource "aws_elastic_beanstalk_application" "app" {
  name        = local.name
  description = "The corpus web application"
}

resource "aws_elastic_beanstalk_application_version" "release" {
  application = aws_elastic_beanstalk_application.app.name
  name        = var.app_version
  bucket      = aws_s3_bucket.bundles.bucket
  key         = aws_s3_object.bundle.key
}

resource "aws_elastic_beanstalk_environment" "web" {
  name                = local.name
  application         = aws_elastic_beanstalk_application.app.name
  solution_stack_name = "64bit Amazon Linux 2023 v6.1.0 running Node.js 20"
  version_label       = aws_elastic_beanstalk_application_version.release.name

  setting {
    namespace = "aws:elasticbeanstalk:application:environment"
    name      = "DATABASE_URL"
    value     = "postgres://app@${aws_db_instance.app.address}:5432/app"
  }

  setting {
    namespace = "aws:autoscaling:asg"
    name      = "MaxSize"
    value     = tostring(var.max_instances)
  }
}

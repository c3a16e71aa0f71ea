# koding: an Elastic Beanstalk application with sandbox, latest and prod
# environments (one per workspace: `stack --workspace prod apply`), a
# PostgreSQL database, a Redis cluster, CloudFront in front of the
# environment, a bucket for application bundles, and worker machines set up
# by a shell provisioner.

stack {
  name = "koding"
  configuration = {
    KODING_ENV = stack.workspace
    DB_HOST    = aws_db_instance.db.address
    REDIS_HOST = aws_elasticache_cluster.cache.cache_nodes[0].address
  }
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "db_password" {
  type      = string
  sensitive = true
}

variable "app_version" {
  type    = string
  default = "v1"
}

variable "workers" {
  type    = number
  default = 1
}

variable "ami" {
  type    = string
  default = "ami-0123456789abcdef0"
}

provider "aws" {
  region = var.region
}

locals {
  env  = stack.workspace == "default" ? "sandbox" : stack.workspace
  name = "koding-${local.env}"
}

resource "aws_vpc" "main" {
  cidr_block = "10.40.0.0/16"
}

resource "aws_subnet" "private" {
  for_each          = { a = 1, b = 2 }
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet("10.40.0.0/16", 8, each.value)
  availability_zone = "${var.region}${each.key}"
}

resource "aws_s3_bucket" "bundles" {
  bucket        = "${local.name}-bundles"
  force_destroy = true
}

resource "aws_s3_object" "bundle" {
  bucket  = aws_s3_bucket.bundles.bucket
  key     = "koding-${var.app_version}.zip"
  content = "koding application bundle ${var.app_version}"
}

resource "aws_db_subnet_group" "db" {
  name       = local.name
  subnet_ids = [for s in aws_subnet.private : s.id]
}

resource "aws_db_instance" "db" {
  identifier           = local.name
  engine               = "postgres"
  engine_version       = "16.3"
  instance_class       = local.env == "prod" ? "db.m5.large" : "db.t3.micro"
  allocated_storage    = 20
  db_name              = "koding"
  username             = "koding"
  password             = var.db_password
  db_subnet_group_name = aws_db_subnet_group.db.name
  skip_final_snapshot  = local.env != "prod"
  deletion_protection  = local.env == "prod"
}

resource "aws_elasticache_subnet_group" "cache" {
  name       = local.name
  subnet_ids = [for s in aws_subnet.private : s.id]
}

resource "aws_elasticache_cluster" "cache" {
  cluster_id        = local.name
  engine            = "redis"
  node_type         = "cache.t3.micro"
  num_cache_nodes   = 1
  subnet_group_name = aws_elasticache_subnet_group.cache.name
}

resource "aws_elastic_beanstalk_application" "app" {
  name        = "koding"
  description = "Koding"
}

resource "aws_elastic_beanstalk_application_version" "version" {
  application = aws_elastic_beanstalk_application.app.name
  name        = "${local.name}-${var.app_version}"
  bucket      = aws_s3_bucket.bundles.bucket
  key         = aws_s3_object.bundle.key
}

resource "aws_elastic_beanstalk_environment" "env" {
  name                = local.name
  application         = aws_elastic_beanstalk_application.app.name
  solution_stack_name = "64bit Amazon Linux 2023 v6.1.0 running Node.js 20"
  version_label       = aws_elastic_beanstalk_application_version.version.name

  setting {
    namespace = "aws:elasticbeanstalk:application:environment"
    name      = "DATABASE_HOST"
    value     = aws_db_instance.db.address
  }

  setting {
    namespace = "aws:elasticbeanstalk:application:environment"
    name      = "REDIS_HOST"
    value     = aws_elasticache_cluster.cache.cache_nodes[0].address
  }
}

resource "aws_cloudfront_distribution" "cdn" {
  enabled = true
  comment = local.name

  origin {
    domain_name = aws_elastic_beanstalk_environment.env.cname
    origin_id   = "beanstalk"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "http-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    target_origin_id       = "beanstalk"
    viewer_protocol_policy = "redirect-to-https"
    allowed_methods        = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    cached_methods         = ["GET", "HEAD"]
    forwarded_values {
      query_string = true
      cookies {
        forward = "all"
      }
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }
}

resource "aws_instance" "worker" {
  count         = var.workers
  ami           = var.ami
  instance_type = "t3.small"
  subnet_id     = aws_subnet.private["a"].id
  tags          = { Name = "${local.name}-worker-${count.index}" }

  provisioner "shell" {
    script = file("${path.module}/provision/worker.sh")
  }
}

output "app_url" {
  value = "https://${aws_cloudfront_distribution.cdn.domain_name}"
}

output "environment_cname" {
  value = aws_elastic_beanstalk_environment.env.cname
}

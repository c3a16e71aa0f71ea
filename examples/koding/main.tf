# koding: an Elastic Beanstalk application with sandbox, latest and prod
# environments (one per workspace: `stack --workspace prod apply`), a
# PostgreSQL database, a Redis cluster, CloudFront in front of the
# environment, a bucket for application bundles, and worker machines set up
# by a shell provisioner. The VPC reaches the internet through an internet
# gateway (public subnet) and a NAT gateway (private subnets); the
# environment's machines run with an IAM role through an instance profile;
# the workers run the newest Amazon Linux image, looked up with data "aws_ami".

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

resource "aws_subnet" "public" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet("10.40.0.0/16", 8, 0)
  availability_zone = "${var.region}a"
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
  tags   = { Name = local.name }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }
}

resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}

# The private subnets go out through a NAT gateway in the public subnet.
resource "aws_eip" "nat" {
  domain = "vpc"
  tags   = { Name = "${local.name}-nat" }
}

resource "aws_nat_gateway" "nat" {
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.public.id
  depends_on    = [aws_internet_gateway.main]
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.nat.id
  }
}

resource "aws_route_table_association" "private" {
  for_each       = aws_subnet.private
  subnet_id      = each.value.id
  route_table_id = aws_route_table.private.id
}

# The role the environment's machines run with.
resource "aws_iam_role" "app" {
  name = "${local.name}-app"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_instance_profile" "app" {
  name = "${local.name}-app"
  role = aws_iam_role.app.name
}

data "aws_ami" "worker" {
  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = ["amzn-ami-hvm-*"]
  }
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
    namespace = "aws:autoscaling:launchconfiguration"
    name      = "IamInstanceProfile"
    value     = aws_iam_instance_profile.app.name
  }

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
  ami           = data.aws_ami.worker.id
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

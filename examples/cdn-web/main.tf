# cdn-web: CloudFront in front of web machines, with a MySQL database, a Redis
# cache and a bucket for static assets, for staging and production (select
# with --workspace staging / --workspace production).

stack {
  name = "cdn-web"
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "env" {
  type    = string
  default = "staging"
}

variable "web_count" {
  type    = number
  default = 2
}

variable "db_password" {
  type      = string
  sensitive = true
}

variable "ami" {
  type    = string
  default = "ami-0123456789abcdef0"
}

provider "aws" {
  region = var.region
}

locals {
  name = "cdn-web-${var.env}"
}

resource "aws_vpc" "main" {
  cidr_block = "10.30.0.0/16"
  tags       = { Name = local.name }
}

resource "aws_subnet" "web" {
  count             = 2
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet("10.30.0.0/16", 8, count.index)
  availability_zone = "${var.region}${["a", "b"][count.index]}"
}

resource "aws_security_group" "web" {
  name        = "${local.name}-web"
  description = "web machines"
  vpc_id      = aws_vpc.main.id

  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_instance" "web" {
  count                  = var.web_count
  ami                    = var.ami
  instance_type          = var.env == "production" ? "m5.large" : "t3.small"
  subnet_id              = aws_subnet.web[count.index % 2].id
  vpc_security_group_ids = [aws_security_group.web.id]
  tags                   = { Name = "${local.name}-web-${count.index}" }
}

resource "aws_db_subnet_group" "db" {
  name       = local.name
  subnet_ids = aws_subnet.web[*].id
}

resource "aws_db_instance" "db" {
  identifier           = local.name
  engine               = "mysql"
  engine_version       = "8.0.35"
  instance_class       = "db.t3.micro"
  allocated_storage    = 20
  db_name              = "web"
  username             = "web"
  password             = var.db_password
  db_subnet_group_name = aws_db_subnet_group.db.name
  skip_final_snapshot  = true
}

resource "aws_elasticache_subnet_group" "cache" {
  name       = local.name
  subnet_ids = aws_subnet.web[*].id
}

resource "aws_elasticache_cluster" "cache" {
  cluster_id        = local.name
  engine            = "redis"
  node_type         = "cache.t3.micro"
  num_cache_nodes   = 1
  subnet_group_name = aws_elasticache_subnet_group.cache.name
}

resource "aws_s3_bucket" "assets" {
  bucket        = "${local.name}-assets"
  force_destroy = true
}

resource "aws_cloudfront_distribution" "cdn" {
  enabled = true
  comment = local.name

  origin {
    domain_name = aws_s3_bucket.assets.bucket_regional_domain_name
    origin_id   = "assets"
  }

  default_cache_behavior {
    target_origin_id       = "assets"
    viewer_protocol_policy = "redirect-to-https"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    forwarded_values {
      query_string = false
      cookies {
        forward = "none"
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

output "cdn_domain" {
  value = aws_cloudfront_distribution.cdn.domain_name
}

output "web_private_ips" {
  value = aws_instance.web[*].private_ip
}

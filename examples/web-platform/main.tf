# web-platform: a small production web platform in one VPC — three web
# machines behind CloudFront, a PostgreSQL database, a Redis cache, and a
# bucket of static assets — 17 AWS resources in all. The kill tests apply
# and destroy it with stack killed at many points (tests/aws_kill.rs).

stack {
  name = "web-platform"
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "env" {
  type    = string
  default = "prod"
}

variable "web_count" {
  type    = number
  default = 3
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
  name = "web-platform-${var.env}"
  tags = { Stack = "web-platform", Env = var.env }
}

resource "aws_vpc" "main" {
  cidr_block = "10.40.0.0/16"
  tags       = merge(local.tags, { Name = local.name })
}

resource "aws_subnet" "app" {
  count             = 2
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
  availability_zone = "${var.region}${["a", "b"][count.index]}"
  tags              = merge(local.tags, { Name = "${local.name}-app-${count.index}" })
}

resource "aws_security_group" "web" {
  name        = "${local.name}-web"
  description = "web machines: HTTP from anywhere"
  vpc_id      = aws_vpc.main.id

  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "data" {
  name        = "${local.name}-data"
  description = "database and cache: only from the VPC"
  vpc_id      = aws_vpc.main.id

  ingress {
    from_port   = 5432
    to_port     = 6379
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}

resource "aws_key_pair" "deploy" {
  key_name   = "${local.name}-deploy"
  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHMo3ouFba3A3af4sFaRLEYC6ewYvX/f02B4St7oMFd3 deploy@web-platform"
}

resource "aws_instance" "web" {
  count                  = var.web_count
  ami                    = var.ami
  instance_type          = "t3.small"
  key_name               = aws_key_pair.deploy.key_name
  subnet_id              = aws_subnet.app[count.index % 2].id
  vpc_security_group_ids = [aws_security_group.web.id]
  tags                   = merge(local.tags, { Name = "${local.name}-web-${count.index}" })
}

resource "aws_db_subnet_group" "db" {
  name       = local.name
  subnet_ids = aws_subnet.app[*].id
}

resource "aws_db_instance" "db" {
  identifier             = local.name
  engine                 = "postgres"
  engine_version         = "16.3"
  instance_class         = "db.t3.micro"
  allocated_storage      = 20
  db_name                = "app"
  username               = "app"
  password               = var.db_password
  db_subnet_group_name   = aws_db_subnet_group.db.name
  vpc_security_group_ids = [aws_security_group.data.id]
  skip_final_snapshot    = true
}

resource "aws_elasticache_subnet_group" "cache" {
  name       = local.name
  subnet_ids = aws_subnet.app[*].id
}

resource "aws_elasticache_cluster" "cache" {
  cluster_id         = local.name
  engine             = "redis"
  node_type          = "cache.t3.micro"
  num_cache_nodes    = 1
  subnet_group_name  = aws_elasticache_subnet_group.cache.name
  security_group_ids = [aws_security_group.data.id]
}

resource "aws_s3_bucket" "assets" {
  bucket        = "${local.name}-assets"
  force_destroy = true
}

resource "aws_s3_object" "index" {
  bucket       = aws_s3_bucket.assets.bucket
  key          = "index.html"
  content      = "<h1>web-platform ${var.env}</h1>"
  content_type = "text/html"
}

resource "aws_s3_object" "robots" {
  bucket       = aws_s3_bucket.assets.bucket
  key          = "robots.txt"
  content      = "User-agent: *\nDisallow:\n"
  content_type = "text/plain"
}

resource "aws_cloudfront_distribution" "cdn" {
  enabled             = true
  comment             = local.name
  default_root_object = "index.html"

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

output "db_endpoint" {
  value = aws_db_instance.db.endpoint
}

output "web_private_ips" {
  value = aws_instance.web[*].private_ip
}

# cdn-web: CloudFront in front of web machines, with a MySQL database and a
# Redis cache (each with its parameter group) and a private, encrypted bucket
# for static assets that only the distribution may read (an origin access
# control and a bucket policy), for staging and production (select with
# --workspace staging / --workspace production). The site has its own DNS
# zone: its names point at the distribution (alias records), which serves
# them with an ACM certificate validated by DNS records in that zone.

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
  name   = "cdn-web-${var.env}"
  domain = "${var.env}.cdn-web.example"
  # The names the site answers to.
  site_names = [local.domain, "www.${local.domain}"]
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

resource "aws_db_parameter_group" "db" {
  name   = local.name
  family = "mysql8.0"

  parameter {
    name  = "character_set_server"
    value = "utf8mb4"
  }

  parameter {
    name  = "max_connections"
    value = var.env == "production" ? 500 : 100
  }
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
  parameter_group_name = aws_db_parameter_group.db.name
  skip_final_snapshot  = true
}

resource "aws_elasticache_subnet_group" "cache" {
  name       = local.name
  subnet_ids = aws_subnet.web[*].id
}

resource "aws_elasticache_parameter_group" "cache" {
  name   = local.name
  family = "redis7"

  parameter {
    name  = "maxmemory-policy"
    value = "allkeys-lru"
  }
}

resource "aws_elasticache_cluster" "cache" {
  cluster_id           = local.name
  engine               = "redis"
  node_type            = "cache.t3.micro"
  num_cache_nodes      = 1
  subnet_group_name    = aws_elasticache_subnet_group.cache.name
  parameter_group_name = aws_elasticache_parameter_group.cache.name
}

resource "aws_s3_bucket" "assets" {
  bucket        = "${local.name}-assets"
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "assets" {
  bucket                  = aws_s3_bucket.assets.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "assets" {
  bucket = aws_s3_bucket.assets.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "assets" {
  bucket = aws_s3_bucket.assets.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# CloudFront signs its requests to the bucket; only this distribution may read.
resource "aws_cloudfront_origin_access_control" "assets" {
  name                              = "${local.name}-assets"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_s3_bucket_policy" "assets" {
  bucket = aws_s3_bucket.assets.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "CloudFrontReads"
      Effect    = "Allow"
      Principal = { Service = "cloudfront.amazonaws.com" }
      Action    = "s3:GetObject"
      Resource  = "${aws_s3_bucket.assets.arn}/*"
      Condition = {
        StringEquals = { "AWS:SourceArn" = aws_cloudfront_distribution.cdn.arn }
      }
    }]
  })
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

  aliases = local.site_names

  viewer_certificate {
    acm_certificate_arn      = aws_acm_certificate_validation.site.certificate_arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }
}

resource "aws_route53_zone" "site" {
  name    = local.domain
  comment = "${local.name} site"
}

# CloudFront serves certificates from us-east-1 only.
resource "aws_acm_certificate" "site" {
  domain_name               = local.domain
  subject_alternative_names = ["www.${local.domain}"]
  validation_method         = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

# The records ACM checks before it issues the certificate.
resource "aws_route53_record" "certificate" {
  for_each = {
    for dvo in aws_acm_certificate.site.domain_validation_options : dvo.domain_name => {
      name   = dvo.resource_record_name
      record = dvo.resource_record_value
      type   = dvo.resource_record_type
    }
  }

  allow_overwrite = true
  name            = each.value.name
  records         = [each.value.record]
  ttl             = 60
  type            = each.value.type
  zone_id         = aws_route53_zone.site.zone_id
}

resource "aws_acm_certificate_validation" "site" {
  certificate_arn         = aws_acm_certificate.site.arn
  validation_record_fqdns = [for record in aws_route53_record.certificate : record.fqdn]
}

resource "aws_route53_record" "site" {
  for_each = toset(local.site_names)
  zone_id  = aws_route53_zone.site.zone_id
  name     = each.key
  type     = "A"

  alias {
    name                   = aws_cloudfront_distribution.cdn.domain_name
    zone_id                = aws_cloudfront_distribution.cdn.hosted_zone_id
    evaluate_target_health = false
  }
}

output "cdn_domain" {
  value = aws_cloudfront_distribution.cdn.domain_name
}

output "site_url" {
  value = "https://${aws_route53_record.site[local.domain].fqdn}"
}

output "name_servers" {
  value = aws_route53_zone.site.name_servers
}

output "web_private_ips" {
  value = aws_instance.web[*].private_ip
}

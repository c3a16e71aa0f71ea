locals {
  content_types = {
    html = "text/html"
    css  = "text/css"
    txt  = "text/plain"
  }

  files = {
    "index.html" = file("${path.module}/site/index.html")
    "404.html"   = file("${path.module}/site/404.html")
    "robots.txt" = "User-agent: *\nAllow: /\n"
  }
}

resource "aws_s3_bucket" "site" {
  bucket        = var.bucket_name
  force_destroy = true

  tags = {
    Site = var.domain
  }
}

resource "aws_s3_object" "file" {
  for_each = local.files

  bucket       = aws_s3_bucket.site.bucket
  key          = each.key
  content      = each.value
  content_type = local.content_types[reverse(split(".", each.key))[0]]
}

resource "aws_cloudfront_distribution" "site" {
  enabled             = true
  comment             = var.domain
  default_root_object = "index.html"
  price_class         = "PriceClass_100"

  origin {
    domain_name = aws_s3_bucket.site.bucket_regional_domain_name
    origin_id   = "s3-site"
  }

  default_cache_behavior {
    target_origin_id       = "s3-site"
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

  depends_on = [aws_s3_object.file]
}

output "cdn_domain" {
  value = aws_cloudfront_distribution.site.domain_name
}

output "objects" {
  value = sort(keys(aws_s3_object.file))
}

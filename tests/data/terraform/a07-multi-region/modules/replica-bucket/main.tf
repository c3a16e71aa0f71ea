terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

variable "name" {
  type = string
}

resource "aws_s3_bucket" "this" {
  bucket        = var.name
  force_destroy = true
}

output "arn" {
  value = aws_s3_bucket.this.arn
}

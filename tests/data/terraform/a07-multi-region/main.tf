resource "aws_s3_bucket" "primary" {
  bucket = "${var.name}-primary"
}

module "replica" {
  source = "./modules/replica-bucket"
  providers = {
    aws = aws.dr
  }

  name = "${var.name}-replica"
}

resource "aws_s3_bucket" "logs" {
  provider = aws.dr
  bucket   = "${var.name}-dr-logs"
}

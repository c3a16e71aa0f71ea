# The templates that match the objects tests/aws_migrate.rs makes through
# the AWS API; terraform.tfstate.template is the state Terraform would hold
# for them. aws_lambda_function.deploy is in that state but not here: stack does
# not support the type, so it is left out of the migration.

provider "aws" {
  region = "us-east-1"
}

data "aws_availability_zones" "available" {
  state = "available"
}

resource "aws_vpc" "main" {
  cidr_block = "10.60.0.0/16"
  tags = {
    Name = "migrated"
    Team = "cloud-only"
  }
}

resource "aws_subnet" "app" {
  count             = 1
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.60.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_security_group" "app" {
  name        = "migrated-app"
  description = "migrated app"
  vpc_id      = aws_vpc.main.id

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_s3_bucket" "assets" {
  for_each = toset(["assets"])
  bucket   = "migrated-${each.key}"
}

resource "aws_instance" "app" {
  ami                    = "ami-12c6146b"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.app[0].id
  vpc_security_group_ids = [aws_security_group.app.id]
  tags = {
    Name = "migrated-app"
  }
}

output "vpc_id" {
  value = aws_vpc.main.id
}

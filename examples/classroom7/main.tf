# classroom7: a machine, a PostgreSQL database and a bucket for backups.
# Secrets come in as sensitive variables (STACK_VAR_db_password or
# --var-file), never written in the template.

stack {
  name = "classroom7"
}

variable "region" {
  type    = string
  default = "us-east-1"
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

resource "aws_vpc" "main" {
  cidr_block = "10.7.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.7.1.0/24"
  availability_zone = "${var.region}a"
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.7.2.0/24"
  availability_zone = "${var.region}b"
}

resource "aws_db_subnet_group" "db" {
  name       = "classroom7"
  subnet_ids = [aws_subnet.a.id, aws_subnet.b.id]
}

resource "aws_db_instance" "db" {
  identifier           = "classroom7"
  engine               = "postgres"
  engine_version       = "16.3"
  instance_class       = "db.t3.micro"
  allocated_storage    = 20
  db_name              = "classroom"
  username             = "classroom"
  password             = var.db_password
  db_subnet_group_name = aws_db_subnet_group.db.name
  skip_final_snapshot  = true
}

resource "aws_s3_bucket" "backups" {
  bucket        = "classroom7-backups"
  force_destroy = true
}

resource "aws_instance" "app" {
  ami           = var.ami
  instance_type = "t3.small"
  subnet_id     = aws_subnet.a.id
  user_data     = "#!/bin/bash\necho DATABASE_HOST=${aws_db_instance.db.address} >> /etc/environment\n"
}

output "database_endpoint" {
  value = aws_db_instance.db.endpoint
}

output "backup_bucket" {
  value = aws_s3_bucket.backups.bucket
}

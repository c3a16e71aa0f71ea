# kaha: one machine running the app, with a Redis cluster, for dev / stage /
# prod. Pick the environment with the workspace: `stack --workspace stage plan`
# loads stage.vars.hcl.

stack {
  name = "kaha"
  configuration = {
    APP_ENV    = var.env
    REDIS_HOST = aws_elasticache_cluster.cache.cache_nodes[0].address
  }
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "env" {
  type = string
  validation {
    condition     = contains(["dev", "stage", "prod"], var.env)
    error_message = "env must be dev, stage or prod."
  }
}

variable "instance_type" {
  type    = string
  default = "t3.micro"
}

variable "ami" {
  type    = string
  default = "ami-0123456789abcdef0"
}

provider "aws" {
  region = var.region
}

data "aws_availability_zones" "available" {
  state = "available"
}

resource "aws_vpc" "main" {
  cidr_block           = "10.20.0.0/16"
  enable_dns_hostnames = true
  tags = {
    Name = "kaha-${var.env}"
  }
}

resource "aws_subnet" "app" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, 1)
  availability_zone = data.aws_availability_zones.available.names[0]
  tags = {
    Name = "kaha-${var.env}-app"
  }
}

resource "aws_security_group" "app" {
  name        = "kaha-${var.env}-app"
  description = "kaha app"
  vpc_id      = aws_vpc.main.id

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_elasticache_subnet_group" "cache" {
  name       = "kaha-${var.env}-cache"
  subnet_ids = [aws_subnet.app.id]
}

resource "aws_elasticache_cluster" "cache" {
  cluster_id        = "kaha-${var.env}"
  engine            = "redis"
  node_type         = var.env == "prod" ? "cache.m5.large" : "cache.t3.micro"
  num_cache_nodes   = 1
  port              = 6379
  subnet_group_name = aws_elasticache_subnet_group.cache.name
}

resource "aws_instance" "app" {
  ami                    = var.ami
  instance_type          = var.instance_type
  subnet_id              = aws_subnet.app.id
  vpc_security_group_ids = [aws_security_group.app.id]
  tags = {
    Name = "kaha-${var.env}"
  }

  provisioner "shell" {
    script = file("${path.module}/provision/app.sh")
  }

  lifecycle {
    prevent_destroy = var.env == "prod"
  }
}

output "app_private_ip" {
  value = aws_instance.app.private_ip
}

output "redis_address" {
  value = aws_elasticache_cluster.cache.cache_nodes[0].address
}

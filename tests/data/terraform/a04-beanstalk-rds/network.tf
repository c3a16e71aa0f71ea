resource "aws_vpc" "app" {
  cidr_block = "10.62.0.0/16"
  tags       = { Name = local.name }
}

resource "aws_subnet" "db" {
  for_each          = { a = "10.62.1.0/24", b = "10.62.2.0/24" }
  vpc_id            = aws_vpc.app.id
  cidr_block        = each.value
  availability_zone = "us-east-1${each.key}"
}

resource "aws_security_group" "db" {
  name        = "${local.name}-db"
  description = "Postgres from the VPC"
  vpc_id      = aws_vpc.app.id

  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.app.cidr_block]
  }
}

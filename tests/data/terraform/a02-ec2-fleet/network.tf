data "aws_availability_zones" "available" {
  state = "available"
}

resource "aws_vpc" "fleet" {
  cidr_block = "10.61.0.0/16"
  tags       = { Name = "${local.name}-vpc" }
}

resource "aws_subnet" "fleet" {
  count             = 2
  vpc_id            = aws_vpc.fleet.id
  cidr_block        = cidrsubnet(aws_vpc.fleet.cidr_block, 8, count.index)
  availability_zone = data.aws_availability_zones.available.names[count.index]
  tags              = { Name = "${local.name}-${count.index}" }
}

resource "aws_security_group" "web" {
  name        = "${local.name}-web"
  description = "Web traffic to the fleet"
  vpc_id      = aws_vpc.fleet.id

  dynamic "ingress" {
    for_each = var.open_ports
    content {
      description = "port ${ingress.value}"
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}

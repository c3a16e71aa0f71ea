locals {
  name = "corpus-fleet"
}

resource "aws_key_pair" "deploy" {
  key_name   = "${local.name}-deploy"
  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHMo3ouFba3A3af4sFaRLEYC6ewYvX/f02B4St7oMFd3 deploy@corpus"
}

resource "aws_instance" "web" {
  count                  = var.instance_count
  ami                    = var.ami
  instance_type          = var.instance_type
  key_name               = aws_key_pair.deploy.key_name
  subnet_id              = aws_subnet.fleet[count.index % length(aws_subnet.fleet)].id
  vpc_security_group_ids = [aws_security_group.web.id]

  tags = {
    Name = "${local.name}-web-${count.index}"
    Role = "web"
  }

  lifecycle {
    precondition {
      condition     = startswith(var.instance_type, "t3.")
      error_message = "The web fleet runs on burstable t3 instances."
    }
  }
}

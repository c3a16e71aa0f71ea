resource "aws_db_subnet_group" "app" {
  name       = local.name
  subnet_ids = [for s in aws_subnet.db : s.id]
}

resource "aws_db_instance" "app" {
  identifier             = local.name
  engine                 = "postgres"
  engine_version         = "16.3"
  instance_class         = var.db_instance_class
  allocated_storage      = 20
  db_name                = "app"
  username               = "app"
  password               = var.db_password
  db_subnet_group_name   = aws_db_subnet_group.app.name
  vpc_security_group_ids = [aws_security_group.db.id]
  skip_final_snapshot    = true
}

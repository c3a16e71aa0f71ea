resource "terraform_data" "fw" {
  input = {
    script = "#!/bin/sh\necho one\necho two 2\necho three\n"
    rules  = [{ cidr = "0.0.0.0/0", port = 80 }, { cidr = "10.0.0.0/8", port = 8443 }, { cidr = "1.2.3.4/32", port = 22 }]
    name   = "a"
    count  = 1
    tags   = { a = "1", b = "22", d = "4" }
    set    = toset(["x", "y", "w"])
    policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "*" }] })
  }
}

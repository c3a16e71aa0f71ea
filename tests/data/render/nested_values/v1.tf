resource "terraform_data" "fw" {
  input = {
    script = "#!/bin/sh\necho one\necho two 1\necho three\n"
    rules  = [{ cidr = "0.0.0.0/0", port = 80 }, { cidr = "10.0.0.0/8", port = 443 }]
    name   = "a"
    count  = 1
    tags   = { a = "1", b = "2", c = "3" }
    set    = toset(["x", "y", "z"])
    policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["s3:GetObject"], Resource = "*" }] })
  }
}

name       = "corpus-vpc"
cidr_block = "10.60.0.0/16"

public_subnets = {
  "us-east-1a" = "10.60.0.0/24"
  "us-east-1b" = "10.60.1.0/24"
}

private_subnets = {
  "us-east-1a" = "10.60.10.0/24"
  "us-east-1b" = "10.60.11.0/24"
}

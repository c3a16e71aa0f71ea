enable_audit_log = true
regions          = ["us-east-1", "eu-west-1", "us-east-1"]

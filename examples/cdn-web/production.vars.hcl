env       = "production"
web_count = 4

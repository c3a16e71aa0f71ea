workers = 1
app_version = "latest"

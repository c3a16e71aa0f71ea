environment = "staging"
app_version = "v1.4.2"
db_password = "corpus-db-password-0001"

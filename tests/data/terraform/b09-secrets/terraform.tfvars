db_password = "s3cr3t-corpus-password"
api_keys = {
  stripe = "sk-corpus-0001"
}

bucket_name = "corpus-static-site"
domain      = "www.example.com"

schema_version = "v7"

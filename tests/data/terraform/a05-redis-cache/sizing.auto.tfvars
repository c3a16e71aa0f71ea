node_type = "cache.t3.small"

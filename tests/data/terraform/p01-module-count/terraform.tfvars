pool_count = 2

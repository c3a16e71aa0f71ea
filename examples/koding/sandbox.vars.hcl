workers = 1

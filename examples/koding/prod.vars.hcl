workers = 3

tree/b.tf

tree/sub/x.tf

instance_count = 3
instance_type  = "t3.small"
open_ports     = [80, 443]

resource "aws_vpc" "cache" {
  cidr_block = "10.63.0.0/16"
}

resource "aws_subnet" "cache" {
  count             = length(var.zones)
  vpc_id            = aws_vpc.cache.id
  cidr_block        = cidrsubnet(aws_vpc.cache.cidr_block, 8, count.index)
  availability_zone = var.zones[count.index]
}

resource "aws_elasticache_subnet_group" "cache" {
  name       = "corpus-cache"
  subnet_ids = aws_subnet.cache[*].id
}

resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id = "corpus-sessions"
  description          = "Session store"
  engine               = "redis"
  node_type            = var.node_type
  num_cache_clusters   = length(var.zones)
  port                 = 6379
  subnet_group_name    = aws_elasticache_subnet_group.cache.name
}

#!/usr/bin/env bash
# Measures a drift check of a large stack across the managed AWS types:
# applies N resources (instances, security groups, subnets, buckets, RDS
# instances, ElastiCache clusters, in fixed proportions) to the AWS emulator
# (moto), then runs `stack drift --format json` on the applied state and
# prints its wall time, peak RSS and the API calls it made per service.
#   N=1000 bash bench/drift.sh
#   NS="250 500 1000" bash bench/drift.sh   # how calls grow with N
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stack-target}"
NS="${NS:-${N:-1000}}"
. scripts/emulator.sh
ensure_emulator
if [ ! -x /usr/bin/time ]; then
  apt-get update -qq && apt-get install -y -qq time >/dev/null
fi
if [ -n "${STACK:-}" ]; then
  stack="$STACK"
else
  flock /tmp/stack-cargo.lock cargo build --quiet --bin stack
  stack="$CARGO_TARGET_DIR/debug/stack"
fi
work="$(mktemp -d)"
trap 'stop_emulator; rm -rf "$work"' EXIT
start_emulator
export STACK_VAR_db_password=correct-horse-battery

# The template of N resources: 40% instances, 20% security groups, 10%
# subnets, 20% buckets, 5% RDS instances, 5% ElastiCache clusters (the VPC
# and the two subnet groups on top).
template() {
  local n=$1 prefix=$2
  local instances=$((n * 40 / 100)) groups=$((n * 20 / 100)) subnets=$((n * 10 / 100))
  local buckets=$((n * 20 / 100)) dbs=$((n * 5 / 100))
  local caches=$((n - instances - groups - subnets - buckets - dbs))
  cat <<TF
provider "aws" {
  region = "us-east-1"
}
variable "db_password" {
  type      = string
  sensitive = true
}
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = "$prefix" }
}
resource "aws_subnet" "s" {
  count             = $subnets
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet("10.0.0.0/16", 8, count.index)
  availability_zone = "us-east-1\${["a", "b"][count.index % 2]}"
  tags              = { Name = "$prefix-\${count.index}" }
}
resource "aws_security_group" "g" {
  count  = $groups
  name   = "$prefix-\${count.index}"
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_instance" "i" {
  count                  = $instances
  ami                    = "ami-0123456789abcdef0"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.s[count.index % $subnets].id
  vpc_security_group_ids = [aws_security_group.g[count.index % $groups].id]
  tags                   = { Name = "$prefix-\${count.index}" }
}
resource "aws_s3_bucket" "b" {
  count  = $buckets
  bucket = "$prefix-\${count.index}"
}
resource "aws_db_subnet_group" "db" {
  name       = "$prefix"
  subnet_ids = aws_subnet.s[*].id
}
resource "aws_db_instance" "d" {
  count                = $dbs
  identifier           = "$prefix-\${count.index}"
  engine               = "mysql"
  instance_class       = "db.t3.micro"
  allocated_storage    = 20
  username             = "admin"
  password             = var.db_password
  db_subnet_group_name = aws_db_subnet_group.db.name
  skip_final_snapshot  = true
}
resource "aws_elasticache_subnet_group" "cache" {
  name       = "$prefix"
  subnet_ids = aws_subnet.s[*].id
}
resource "aws_elasticache_cluster" "c" {
  count             = $caches
  cluster_id        = "$prefix-\${count.index}"
  engine            = "redis"
  node_type         = "cache.t3.micro"
  num_cache_nodes   = 1
  subnet_group_name = aws_elasticache_subnet_group.cache.name
}
TF
}

for n in $NS; do
  dir="$work/n$n"
  mkdir -p "$dir"
  template "$n" "drift$n" >"$dir/main.tf"
  "$stack" -C "$dir" apply --auto-approve --parallelism 20 >/dev/null
  managed=$("$stack" -C "$dir" state list | wc -l)
  echo "== N = $n ($managed managed objects): stack drift --format json"
  /usr/bin/time -f 'drift wall time %e s, peak RSS %M KB' -o "$dir/time" \
    "$stack" -C "$dir" drift --format json >"$dir/drift.json" || [ $? -eq 2 ]
  cat "$dir/time"
  python3 - "$dir/drift.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
print(f"status {doc['status']}, {doc['checked']} checked")
services = {}
for call, count in doc["api_calls"].items():
    service, _, operation = call.partition(":")
    services.setdefault(service, []).append((operation, count))
total = sum(doc["api_calls"].values())
print(f"API calls: {total}")
for service, operations in sorted(services.items()):
    listed = ", ".join(f"{op} {count}" for op, count in sorted(operations))
    print(f"  {service:<12} {sum(c for _, c in operations):>4}  ({listed})")
PY
done

#!/usr/bin/env bash
# Measures how many EC2 API calls refreshing N aws_instance resources costs:
# applies N machines to the AWS emulator (moto), then runs `stack plan
# --stats` on the applied state and prints the API calls it made.
#   N=500 bash bench/aws_refresh.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stack-target}"
N="${N:-500}"
. scripts/emulator.sh
ensure_emulator
cargo build --quiet --bin stack
stack="$CARGO_TARGET_DIR/debug/stack"
work="$(mktemp -d)"
trap 'stop_emulator; rm -rf "$work"' EXIT
start_emulator
cat >"$work/main.tf" <<TF
provider "aws" {
  region = "us-east-1"
}

resource "aws_instance" "fleet" {
  count         = $N
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
}
TF
"$stack" -C "$work" apply --auto-approve --parallelism 20 >/dev/null
echo "Refreshing $N aws_instance resources (stack plan --stats):"
/usr/bin/time -f 'plan wall time %e s, peak RSS %M KB' "$stack" -C "$work" plan --stats >/dev/null

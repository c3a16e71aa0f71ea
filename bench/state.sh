#!/usr/bin/env bash
# State persistence with the local and the S3 backend: apply and a no-change
# plan of N terraform_data (chains of 10), against the AWS emulator for S3.
# Prints a markdown table: wall time / peak RSS, and for S3 the objects
# (PUT requests) and bytes the run sent to the store.
#
#   bench/state.sh                 # N = 1000 10000
#   NS="1000" REPEAT=3 bench/state.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
NS="${NS:-1000 10000}"
REPEAT="${REPEAT:-1}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stack-target}"
if [ -z "${STACK:-}" ]; then
  echo "building stack (release)" >&2
  cargo build --quiet --release --bin stack
  STACK="$CARGO_TARGET_DIR/release/stack"
fi
. scripts/emulator.sh
ensure_emulator >&2
python="$root/.venv/bin/python"
work="$(mktemp -d)"
port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkfifo "$work/hold"
"$python" tests/emulator/launcher.py "$port" <"$work/hold" >"$work/emulator.log" 2>&1 &
exec 3>"$work/hold"   # the emulator exits when this closes
trap 'exec 3>&-; rm -rf "$work"' EXIT
until grep -q READY "$work/emulator.log"; do sleep 0.2; done
endpoint="http://127.0.0.1:$port"
export AWS_ENDPOINT_URL="$endpoint" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
export STACK_STATE_KEY="AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="

counts() { curl -s "$endpoint/_stack/requests"; }
# sent BEFORE AFTER -> "PUTs bytes" sent between two counts
sent() {
  "$python" -c 'import json,sys; a=json.loads(sys.argv[1]); b=json.loads(sys.argv[2]); print(b["requests"].get("PUT",0)-a["requests"].get("PUT",0), sum(b["bytes"].values())-sum(a["bytes"].values()))' "$1" "$2"
}
measure() { /usr/bin/time -f '%e %M' -o "$work/time.txt" "$STACK" -C "$1" "${@:2}" >"$work/out.txt" 2>"$work/err.txt" || { tail -20 "$work/err.txt" >&2; exit 1; }; tail -1 "$work/time.txt"; }
cell() { awk -v p="$1" 'BEGIN { split(p, x, " "); printf "%.2f s / %d MB", x[1], x[2] / 1024 }'; }

echo
echo "stack $(git rev-parse --short HEAD), $(nproc) cores, chains of 10, best of $REPEAT"
echo
echo "| N | backend | apply | no-change plan | objects written by apply | bytes sent by apply | state size |"
echo "|---:|---|---:|---:|---:|---:|---:|"
for n in $NS; do
  for backend in local s3; do
    best_a=""; best_p=""
    for r in $(seq "$REPEAT"); do
      dir="$work/$backend-$n-$r"
      python3 bench/gen.py "$dir" --resources "$n" --shape chains >/dev/null 2>&1
      if [ "$backend" = s3 ]; then
        bucket="bench-$n-$r"
        "$python" -c "import boto3,sys; boto3.client('s3', endpoint_url=sys.argv[1]).create_bucket(Bucket=sys.argv[2])" "$endpoint" "$bucket"
        printf 'terraform {\n  backend "s3" {\n    bucket = "%s"\n    key    = "bench/stack.tfstate"\n  }\n}\n' "$bucket" >"$dir/backend.tf"
      fi
      before=$(counts)
      a=$(measure "$dir" apply --auto-approve)
      after=$(counts)
      p=$(measure "$dir" plan)
      grep -q "No changes" "$work/out.txt" || { echo "the second plan was not empty" >&2; exit 1; }
      read -r puts bytes <<<"$(sent "$before" "$after")"
      if [ "$backend" = s3 ]; then
        size=$("$python" -c "import boto3,sys; print(boto3.client('s3', endpoint_url=sys.argv[1]).head_object(Bucket=sys.argv[2], Key='bench/stack.tfstate.stack')['ContentLength'])" "$endpoint" "$bucket")
      else
        size=$(stat -c %s "$dir/.stack/default.state.json"); puts="–"; bytes="–"
      fi
      best_a=$(awk -v a="$best_a" -v b="$a" 'BEGIN { if (a == "") print b; else { split(a,x," "); split(b,y," "); print (y[1] < x[1]) ? b : a } }')
      best_p=$(awk -v a="$best_p" -v b="$p" 'BEGIN { if (a == "") print b; else { split(a,x," "); split(b,y," "); print (y[1] < x[1]) ? b : a } }')
      rm -rf "$dir"
    done
    echo "| $n | $backend | $(cell "$best_a") | $(cell "$best_p") | $puts | $bytes | $(awk -v s="$size" 'BEGIN { printf "%.1f MB", s / 1048576 }') |"
  done
done

#!/usr/bin/env bash
# Startup cost: `stack validate` (and a no-change `plan`) of a one-resource
# stack, best of RUNS, wall milliseconds and peak RSS.
#
#   STACK=$CARGO_TARGET_DIR/release/stack bench/startup.sh
#   RUNS=20 bench/startup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-10}"
if [ -n "${STACK:-}" ]; then
  stack="$STACK"
else
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stack-target}"
  flock /tmp/stack-cargo.lock cargo build --quiet --release --bin stack
  stack="$CARGO_TARGET_DIR/release/stack"
fi
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
python3 bench/gen.py "$work/one" --resources 1 --shape realistic 2>/dev/null

# best COMMAND... -> "MILLISECONDS KB" of the fastest of RUNS runs.
best() {
  local b=""
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %M' -o "$work/t" "$stack" -C "$work/one" "$@" >/dev/null 2>&1
    # %e has only 10 ms resolution; take the wall time from `date` instead.
    local s e
    s=$(date +%s%N); "$stack" -C "$work/one" "$@" >/dev/null 2>&1; e=$(date +%s%N)
    local ms=$(( (e - s) / 1000000 )) kb
    kb=$(awk '{print $2}' "$work/t")
    if [ -z "$b" ] || [ "$ms" -lt "${b%% *}" ]; then b="$ms $kb"; fi
  done
  echo "$b"
}
v=$(best validate)
"$stack" -C "$work/one" apply --auto-approve >/dev/null 2>&1
p=$(best plan)
echo "| one resource | validate | no-change plan |"
echo "|---|---:|---:|"
echo "| $(basename "$stack") | ${v%% *} ms / $(( ${v##* } / 1024 )) MB | ${p%% *} ms / $(( ${p##* } / 1024 )) MB |"

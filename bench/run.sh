#!/usr/bin/env bash
# Benchmarks stack on large generated stacks; prints markdown tables.
#
#   bench/run.sh                      # full run (N = 1000 5000 10000, five shapes)
#   NS="1000" SHAPES=chains bench/run.sh
#   REPEAT=3 bench/run.sh             # best of 3 for every figure
#
# Environment:
#   NS          resource counts               (default "1000 5000 10000")
#   SHAPES      chains fanout independent realistic mixed (default all five;
#               realistic and mixed are terraform_data only, see bench/gen.py)
#   TYPE        terraform_data|null_resource  (default terraform_data)
#   CHAIN       chain length                  (default 10)
#   REPEAT      runs per figure, best kept    (default 1)
#   SCALING_NS  N for the apply-scaling check (default "1000 2000 5000 10000"; "" skips it)
#   WORK        scratch directory             (default: a temporary directory, removed)
#   STACK       a prebuilt binary to measure instead of building (e.g. a baseline)
#
# Each cell is wall time in seconds and peak RSS in MB, from
# `/usr/bin/time -f '%e %M'`. Phases, in order on the same directory:
# validate; plan on an empty state; apply; plan on the applied state (no
# changes, checked); destroy.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
NS="${NS:-1000 5000 10000}"
SHAPES="${SHAPES:-chains fanout independent realistic mixed}"
TYPE="${TYPE:-terraform_data}"
CHAIN="${CHAIN:-10}"
REPEAT="${REPEAT:-1}"
SCALING_NS="${SCALING_NS-1000 2000 5000 10000}"

if [ ! -x /usr/bin/time ]; then
  echo "installing GNU time" >&2
  apt-get update -qq && apt-get install -y -qq time >/dev/null
fi

if [ -n "${STACK:-}" ]; then
  stack="$STACK"
else
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stack-target}"
  echo "building stack (release)" >&2
  flock /tmp/stack-cargo.lock cargo build --quiet --release --bin stack
  stack="$CARGO_TARGET_DIR/release/stack"
fi

if [ -n "${WORK:-}" ]; then
  mkdir -p "$WORK"; work="$WORK"
else
  work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
fi

# measure DIR ARGS... -> prints "SECONDS KB"; fails loudly if stack fails.
measure() {
  local dir="$1"; shift
  if ! /usr/bin/time -f '%e %M' -o "$work/time.txt" "$stack" -C "$dir" "$@" >"$work/out.txt" 2>"$work/err.txt"; then
    echo "stack -C $dir $* failed:" >&2; tail -20 "$work/err.txt" "$work/out.txt" >&2; exit 1
  fi
  tail -1 "$work/time.txt"
}

# best A B -> the lower-time of two "SECONDS KB" pairs.
best() {
  if [ -z "$1" ]; then echo "$2"; return; fi
  awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); print (y[1] < x[1]) ? b : a }'
}

cell() { awk -v p="$1" 'BEGIN { split(p, x, " "); printf "%.2f s / %d MB", x[1], x[2] / 1024 }'; }

echo
echo "${STACK:-stack $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" diff --quiet 2>/dev/null || echo '+changes')}, $(nproc) cores, type $TYPE, chain length $CHAIN, best of $REPEAT"
echo
echo "| shape | N | validate | plan (empty state) | apply | no-change plan | destroy |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for n in $NS; do
  for shape in $SHAPES; do
    dir="$work/$shape-$n"
    python3 bench/gen.py "$dir" --resources "$n" --shape "$shape" --chain-length "$CHAIN" --type "$TYPE" 2>/dev/null
    v=""; p=""; a=""; q=""; d=""
    for _ in $(seq "$REPEAT"); do
      rm -rf "$dir/.stack"
      v=$(best "$v" "$(measure "$dir" validate)")
      p=$(best "$p" "$(measure "$dir" plan)")
      a=$(best "$a" "$(measure "$dir" apply --auto-approve)")
      grep -q "$n added" "$work/out.txt" || { echo "apply did not add $n resources" >&2; tail -5 "$work/out.txt" >&2; exit 1; }
      q=$(best "$q" "$(measure "$dir" plan)")
      grep -q "No changes" "$work/out.txt" || { echo "second plan was not empty" >&2; tail -5 "$work/out.txt" >&2; exit 1; }
      d=$(best "$d" "$(measure "$dir" destroy --auto-approve)")
    done
    echo "| $shape | $n | $(cell "$v") | $(cell "$p") | $(cell "$a") | $(cell "$q") | $(cell "$d") |"
    rm -rf "$dir"
  done
done

if [ -n "$SCALING_NS" ]; then
  echo
  echo "Apply scaling, independent resources (state journaled per operation):"
  echo
  echo "| N | apply | per resource | peak RSS | state file |"
  echo "|---:|---:|---:|---:|---:|"
  for n in $SCALING_NS; do
    dir="$work/scale-$n"
    python3 bench/gen.py "$dir" --resources "$n" --shape independent --type "$TYPE" 2>/dev/null
    a=""
    for _ in $(seq "$REPEAT"); do
      rm -rf "$dir/.stack"
      a=$(best "$a" "$(measure "$dir" apply --auto-approve)")
    done
    size=$(stat -c %s "$dir/.stack/default.state.json")
    awk -v p="$a" -v n="$n" -v s="$size" 'BEGIN { split(p, x, " "); printf "| %d | %.2f s | %.0f µs | %d MB | %.1f MB |\n", n, x[1], x[1] * 1e6 / n, x[2] / 1024, s / 1048576 }'
    rm -rf "$dir"
  done
fi

#!/usr/bin/env bash
# Compares stack binaries on `validate` and the no-change `plan` of stacks
# that are already applied; prints one markdown row per binary and stack,
# each cell the median of RUNS runs (wall time / peak RSS, GNU time).
# The binaries take turns, run by run, so that a change in the machine's
# load hits them alike.
#
#   bench/compare.sh DIR... -- BINARY...
#   RUNS=5 bench/compare.sh /tmp/r10k /tmp/m10k -- ./stack-before ./stack-after
#
# Prepare each DIR with bench/gen.py and one `stack apply --auto-approve`.
set -euo pipefail
RUNS="${RUNS:-5}"
dirs=()
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do dirs+=("$1"); shift; done
[ "$#" -gt 0 ] || { echo "usage: $0 DIR... -- BINARY..." >&2; exit 2; }
shift
binaries=("$@")
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

# run BINARY DIR ARGS... -> "SECONDS KB"; fails loudly if stack fails.
run() {
  local binary="$1" dir="$2"; shift 2
  if ! /usr/bin/time -f '%e %M' -o "$work/time.txt" "$binary" -C "$dir" "$@" >"$work/out.txt" 2>"$work/err.txt"; then
    echo "$binary -C $dir $* failed:" >&2; tail -20 "$work/err.txt" "$work/out.txt" >&2; exit 1
  fi
  tail -1 "$work/time.txt"
}

# median FILE -> the median time of the "SECONDS KB" lines, with its RSS.
median() { sort -n "$1" | awk '{ line[NR] = $0 } END { split(line[int((NR + 1) / 2)], x, " "); printf "%.2f s / %d MB", x[1], x[2] / 1024 }'; }

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); median of $RUNS"
echo
echo "| binary | stack | validate | no-change plan |"
echo "|---|---|---:|---:|"
for dir in "${dirs[@]}"; do
  for i in "${!binaries[@]}"; do : >"$work/v$i"; : >"$work/p$i"; done
  for _ in $(seq "$RUNS"); do
    for i in "${!binaries[@]}"; do
      run "${binaries[$i]}" "$dir" validate >>"$work/v$i"
      run "${binaries[$i]}" "$dir" plan >>"$work/p$i"
      grep -q "No changes" "$work/out.txt" || { echo "the plan of $dir is not empty" >&2; exit 1; }
    done
  done
  for i in "${!binaries[@]}"; do
    echo "| $(basename "${binaries[$i]}") | $(basename "$dir") | $(median "$work/v$i") | $(median "$work/p$i") |"
  done
done
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

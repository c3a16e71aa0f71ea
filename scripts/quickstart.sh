#!/usr/bin/env bash
# The quickstart: builds stack and runs examples/quickstart end to end:
# plan -> apply -> change a variable -> plan -> apply -> destroy, using only
# built-in providers (no cloud account needed). It works in a scratch copy
# so the example directory stays clean.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stack-target}"
cargo build --quiet --bin stack
stack="$CARGO_TARGET_DIR/debug/stack"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r examples/quickstart/. "$work/"
run() { echo; echo "\$ stack $*"; "$stack" -C "$work" "$@"; }

run validate
run plan
run apply --auto-approve
echo; echo "--- greeting file written by the stack:"; cat "$work/out/greeting.txt"
run plan --var greeting=hi --detailed-exitcode || [ $? -eq 2 ]
run apply --auto-approve --var greeting=hi
run plan --var greeting=hi
run output
run destroy --auto-approve --var greeting=hi
run state list
echo; echo "Quickstart finished: planned, applied, changed, re-planned and destroyed."

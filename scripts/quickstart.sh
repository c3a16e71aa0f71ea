#!/usr/bin/env bash
# The quickstart: builds stack and runs examples/quickstart end to end:
# plan -> apply -> change a variable -> plan -> apply -> destroy, using only
# built-in providers (no cloud account needed), then examples/kaha against
# the AWS emulator. It works in scratch copies so the examples stay clean.
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
echo; echo "Built-in example finished: planned, applied, changed, re-planned and destroyed."

# Part two: an AWS stack (examples/kaha, workspace "dev") against the AWS
# emulator on 127.0.0.1 (moto, installed into .venv on first use). stack
# talks to it through the official AWS SDK, pointed there by the standard
# AWS_ENDPOINT_URL variable; nothing reaches a real AWS account.
. scripts/emulator.sh
ensure_emulator
start_emulator
trap 'stop_emulator; rm -rf "$work"' EXIT
aws="$(mktemp -d)"
cp -r examples/kaha/. "$aws/"
run_aws() { echo; echo "\$ stack --workspace dev $*"; "$stack" -C "$aws" --workspace dev "$@"; }
run_aws plan --stats
run_aws apply --auto-approve
run_aws plan
run_aws apply --auto-approve --var instance_type=t3.small
run_aws destroy --auto-approve
rm -rf "$aws"
echo; echo "Quickstart finished: a built-in stack and an AWS stack (against the emulator) planned, applied, changed and destroyed."

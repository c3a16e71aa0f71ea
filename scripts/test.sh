#!/usr/bin/env bash
# Runs the whole test suite. This is the README's test command and what CI
# runs (.ci/run calls it). It installs what it needs and keeps the cargo
# target directory outside the clone so that repeated runs build
# incrementally.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stack-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is required: install Rust from https://rustup.rs" >&2
  exit 1
fi
if ! cargo nextest --version >/dev/null 2>&1; then
  echo "Installing cargo-nextest (one time)..."
  cargo install --locked cargo-nextest
fi

# The AWS tests run against moto's server (tests/emulator/); see scripts/emulator.sh.
. scripts/emulator.sh
ensure_emulator
export STACK_EMULATOR_PYTHON="$PWD/.venv/bin/python"
# The policy tests run Checkov on stack's Terraform-compatible JSON plans.
. scripts/policy.sh
ensure_checkov
export STACK_CHECKOV="$PWD/.venv-policy/bin/checkov"

# The registry tests need PostgreSQL (started here, stopped on exit) and
# Chromium for the web catalogue; see scripts/services.sh.
. scripts/services.sh
ensure_services
start_postgres
trap stop_postgres EXIT

cargo build --workspace --all-targets
cargo nextest run --workspace --no-fail-fast "$@"

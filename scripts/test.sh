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

# The AWS tests run against moto's server (tests/emulator/), installed into a
# project-local virtualenv. It is rebuilt from scratch when requirements.txt
# changes (a hash of it is kept in the venv) or when the venv no longer
# works, e.g. after the system Python was upgraded.
ensure_emulator() {
  local requirements=tests/emulator/requirements.txt
  local stamp=.venv/.stack-requirements.sha256
  if ! command -v python3 >/dev/null 2>&1; then
    echo "error: python3 is required for the AWS emulator used by the tests (moto)." >&2
    exit 1
  fi
  local wanted
  wanted="$(python3 -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$requirements")"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] \
    && .venv/bin/python -c 'import moto.server' >/dev/null 2>&1; then
    return
  fi
  echo "Installing the AWS emulator (moto) into .venv from $requirements..."
  local log
  log="$(mktemp)"
  rm -rf .venv
  if ! python3 -m venv .venv >"$log" 2>&1; then
    cat "$log" >&2
    echo "error: could not create .venv with 'python3 -m venv' (on Debian/Ubuntu, install python3-venv)." >&2
    exit 1
  fi
  if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "error: could not install $requirements into .venv; the AWS tests cannot run without it." >&2
    exit 1
  fi
  rm -f "$log"
  echo "$wanted" >"$stamp"
}
ensure_emulator
export STACK_EMULATOR_PYTHON="$PWD/.venv/bin/python"

cargo build --workspace --all-targets
cargo nextest run --workspace --no-fail-fast "$@"

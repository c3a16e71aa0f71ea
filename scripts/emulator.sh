#!/usr/bin/env bash
# Shared by scripts/test.sh and scripts/quickstart.sh (sourced, not run):
# installs the AWS emulator (moto, tests/emulator/) into .venv and starts it.

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

# Starts the emulator on a free port of 127.0.0.1 and points the AWS SDK at it
# through the standard environment variables (AWS_ENDPOINT_URL, credentials,
# region). The launcher exits when its stdin closes, i.e. when this shell does.
start_emulator() {
  local fifo ready
  fifo="$(mktemp -u)"
  mkfifo "$fifo"
  exec {EMULATOR_STDIN}<> <(:)
  .venv/bin/python tests/emulator/launcher.py 0 <&"$EMULATOR_STDIN" >"$fifo" 2>/dev/null &
  EMULATOR_PID=$!
  read -r -t 60 ready <"$fifo" || true
  rm -f "$fifo"
  case "$ready" in
    READY\ *) EMULATOR_PORT="${ready#READY }" ;;
    *) echo "error: the AWS emulator did not start" >&2; return 1 ;;
  esac
  export AWS_ENDPOINT_URL="http://127.0.0.1:$EMULATOR_PORT"
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
  unset AWS_PROFILE AWS_SESSION_TOKEN
}

stop_emulator() {
  if [ -n "${EMULATOR_PID:-}" ]; then
    kill "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
  fi
}

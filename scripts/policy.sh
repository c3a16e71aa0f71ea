#!/usr/bin/env bash
# Sourced by scripts/test.sh (not run): installs Checkov (tests/policy/) into
# .venv-policy, as scripts/emulator.sh installs the AWS emulator into .venv.
# Checkov gets its own virtualenv because its dependency pins conflict with
# moto's. The venv is rebuilt when requirements.txt changes (a hash of it is
# kept in the venv) or when it no longer works.
ensure_checkov() {
  local requirements=tests/policy/requirements.txt
  local stamp=.venv-policy/.stack-requirements.sha256
  if ! command -v python3 >/dev/null 2>&1; then
    echo "error: python3 is required for Checkov, which the policy tests run." >&2
    exit 1
  fi
  local wanted
  wanted="$(python3 -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$requirements")"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] \
    && .venv-policy/bin/checkov --version >/dev/null 2>&1; then
    return
  fi
  echo "Installing Checkov into .venv-policy from $requirements..."
  local log
  log="$(mktemp)"
  rm -rf .venv-policy
  if ! python3 -m venv .venv-policy >"$log" 2>&1; then
    cat "$log" >&2
    echo "error: could not create .venv-policy with 'python3 -m venv' (on Debian/Ubuntu, install python3-venv)." >&2
    exit 1
  fi
  if ! .venv-policy/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "error: could not install $requirements into .venv-policy; the policy tests cannot run without it." >&2
    exit 1
  fi
  rm -f "$log"
  echo "$wanted" >"$stamp"
}

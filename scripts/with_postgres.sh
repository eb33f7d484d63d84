#!/usr/bin/env bash
# Start a throwaway PostgreSQL 15 cluster on loopback, run the given command with
# KB_TEST_DATABASE_URL pointing at it, then stop and delete the cluster.
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$PGBIN/initdb" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing PostgreSQL 15 server binaries …"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq postgresql-15 >/dev/null
  else
    echo "PostgreSQL binaries not found in $PGBIN and cannot be installed." >&2
    exit 1
  fi
fi
workdir=$(mktemp -d /tmp/kb-pg.XXXXXX)
chmod 755 "$workdir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run_pg=()
if [ "$(id -u)" = "0" ]; then
  chown postgres: "$workdir"
  run_pg=(runuser -u postgres --)
fi
stop_cluster() {
  "${run_pg[@]}" "$PGBIN/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap stop_cluster EXIT
"${run_pg[@]}" "$PGBIN/initdb" -D "$workdir/data" -A trust -U kb -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
"${run_pg[@]}" "$PGBIN/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w \
  -o "-p $port -k $workdir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null
echo "PostgreSQL 15 läuft auf 127.0.0.1:$port (Wegwerf-Cluster in $workdir)"
export KB_TEST_DATABASE_URL="postgresql+psycopg://kb@127.0.0.1:$port/postgres"
"$@"

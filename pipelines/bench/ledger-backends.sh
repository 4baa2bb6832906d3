# Sourced by pipelines/bench.sh after the sizes: `ledger record` on SQLite and on PostgreSQL in the same
# run. One run over the largest measured cluster's stream (fresh file / fresh database each time), and
# 20 clusters' runs of the small one started at once on one ledger (a fleet's Monday morning). The
# reference is SQLite; the goal is PostgreSQL within 2x of it for one run.
#
# PostgreSQL: Debian's package (installed by make deps), a throwaway cluster made by initdb in a temp
# folder as the unprivileged user nobody, on 127.0.0.1 with a free port and password authentication,
# fsync on (SQLite runs with synchronous=FULL), stopped and removed when the bench ends.

ledger_bench() {
  local one=$1 small=$2
  local pgbin pg port pgpid
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ ! -x "$pgbin/initdb" ]; then echo "bench: no PostgreSQL server (make deps installs postgresql); ledger backends skipped" >&2; return; fi
  # The server refuses to run as root and the bench starts it as nobody, which takes root.
  if [ "$(id -u)" -ne 0 ]; then echo "bench: the ledger backends need root (PostgreSQL is started as nobody); skipped" >&2; return; fi
  pg=$(mktemp -d /tmp/autopilot-bench-pg.XXXXXX)
  echo bench-pw > "$pg/pw"
  chown -R nobody:nogroup "$pg"
  if ! setpriv --reuid=nobody --regid=nogroup --clear-groups "$pgbin/initdb" -D "$pg/data" -U autopilot --pwfile "$pg/pw" \
    --auth scram-sha-256 --encoding UTF8 --locale C.UTF-8 --no-sync > "$pg/initdb.log" 2>&1; then
    echo "bench: initdb failed: $(tail -3 "$pg/initdb.log")" >&2; rm -rf "$pg"; return
  fi
  port=$(python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])")
  setpriv --reuid=nobody --regid=nogroup --clear-groups "$pgbin/postgres" -D "$pg/data" -p "$port" -c listen_addresses=127.0.0.1 \
    -c unix_socket_directories= -c max_connections=60 > "$pg/postgres.log" 2>&1 &
  pgpid=$!
  # Stopped and removed if the bench fails from here on (the bench's own files too); at the end otherwise.
  trap 'kill -INT '"$pgpid"' 2>/dev/null; wait '"$pgpid"' 2>/dev/null; rm -rf '"$pg"'; rm -f "$stamp" "$rows" "$ledger_rows"' EXIT
  export PGPASSWORD=bench-pw
  local psql="env PGOPTIONS=-cclient_min_messages=warning psql -q -h 127.0.0.1 -p $port -U autopilot -d postgres -v ON_ERROR_STOP=1"
  local ready=""
  for _ in $(seq 100); do if $psql -c 'SELECT 1' >/dev/null 2>&1; then ready=1; break; fi; sleep 0.1; done
  if [ -z "$ready" ]; then
    echo "bench: PostgreSQL did not start: $(tail -3 "$pg/postgres.log")" >&2
    kill -INT "$pgpid" 2>/dev/null || true; wait "$pgpid" 2>/dev/null || true; rm -rf "$pg"; return
  fi
  local url="postgresql://autopilot@127.0.0.1:$port"

  # 20 clusters' streams: the small cluster renamed c01…c20 (cluster and finding ids).
  local fleet=$outdir/ledger-fleet
  rm -rf "$fleet" && mkdir -p "$fleet"
  for i in $(seq -w 1 20); do
    sed -e "s/\"cluster\":\"small\"/\"cluster\":\"c$i\"/g" -e "s/\"id\":\"f-/\"id\":\"f-c$i-/g" "$small" > "$fleet/c$i.ndjson"
  done
  local concurrent='for f in '"$fleet"'/c*.ndjson; do '"$bin"'/ledger record --db "$DB" --now '"$now"' < "$f" > /dev/null & done; wait'

  echo
  echo "ledger backends: one run over $(grep -c '"kind":"finding"' "$one") findings ($(basename "$(dirname "$one")")); 20 clusters' runs of the small one at once; median of ${BENCH_RUNS:-3}"
  printf '| %-10s | %12s | %12s | %16s | %12s |\n' backend "one run s" "peak RSS MiB" "20 at once s" "one / SQLite"
  printf '| %-10s | %12s | %12s | %16s | %12s |\n' --- --- --- --- ---
  local sqlite_wall
  for backend in sqlite postgresql; do
    local db setup
    if [ "$backend" = sqlite ]; then
      db=$outdir/ledger-bench.db
      setup="rm -f $db $db-wal $db-shm"
    else
      db=$url/bench
      setup="$psql -c 'DROP DATABASE IF EXISTS bench' -c 'CREATE DATABASE bench'"
    fi
    read -r wall rss < <(measure "$bin/ledger record --db '$db' --now $now < $one" "${BENCH_RUNS:-3}" "$setup")
    read -r fleet_wall _ < <(measure "DB='$db'; $concurrent" "${BENCH_RUNS:-3}" "$setup")
    local runs_recorded
    if [ "$backend" = sqlite ]; then
      runs_recorded=$(python3 -c "import sqlite3,sys;print(sqlite3.connect(sys.argv[1]).execute('select count(*) from runs').fetchone()[0])" "$db")
      sqlite_wall=$wall
    else
      runs_recorded=$($psql -d bench -At -c 'SELECT COUNT(*) FROM runs')
    fi
    [ "$runs_recorded" = 20 ] || { echo "bench: $backend recorded $runs_recorded of the 20 fleet runs" >&2; exit 1; }
    printf '| %-10s | %12s | %12s | %16s | %12s |\n' "$backend" "$wall" "$((rss / 1024))" "$fleet_wall" "$(ratio "$wall" "$sqlite_wall")"
    printf '%s\t%s\t%s\t%s\t%s\n' "$backend" "$wall" "$rss" "$fleet_wall" "$(grep -c '"kind":"finding"' "$one")" >> "$ledger_rows"
  done
  echo "PostgreSQL / SQLite for one run: $(ratio "$wall" "$sqlite_wall") (goal: 2 at most)"
  kill -INT "$pgpid" 2>/dev/null || true; wait "$pgpid" 2>/dev/null || true
  rm -rf "$pg" "$fleet" "$outdir/ledger-bench.db"*
  trap 'rm -f "$stamp" "$rows" "$ledger_rows"' EXIT
  unset PGPASSWORD
}

#!/usr/bin/env bash
# A throwaway PostgreSQL for tests of the kenchi centre (docs/central.md).
#   scripts/pg.sh start           initdb into a new temp dir, start on 127.0.0.1
#                                 and a free port; prints PGDIR=... and PGURL=...
#                                 (eval-able). Exit 3 when PostgreSQL is absent
#                                 or cannot start (tests skip on that).
#   scripts/pg.sh stop DIR        stop it and remove DIR
#   scripts/pg.sh crash DIR       stop it like a power cut (-m immediate)
#   scripts/pg.sh restart DIR     start it again on the same port
# As root, the server runs as the `postgres` user (initdb refuses root).
set -u
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
find_bin() {
  local b
  b=$(command -v "$1" 2>/dev/null) && { echo "$b"; return; }
  for b in /usr/lib/postgresql/*/bin/"$1"; do [[ -x $b ]] && { echo "$b"; return; }; done
  return 1
}
INITDB=$(find_bin initdb) || { echo "pg.sh: initdb not found" >&2; exit 3; }
PGCTL=$(find_bin pg_ctl) || { echo "pg.sh: pg_ctl not found" >&2; exit 3; }

start_server() { # DIR PORT
  as_pg "$PGCTL" -D "$1/data" -l "$1/log" -w -t 20 \
    -o "-h 127.0.0.1 -p $2 -k $1 -c fsync=off -c full_page_writes=off" start >/dev/null
}

case "${1:-}" in
start)
  if [[ $(id -u) == 0 ]] && ! id postgres >/dev/null 2>&1; then
    echo "pg.sh: running as root and no postgres user" >&2; exit 3
  fi
  dir=$(mktemp -d /tmp/kenchi-pg.XXXXXX)
  chmod 755 "$dir"
  [[ $(id -u) == 0 ]] && chown postgres "$dir"
  if ! as_pg "$INITDB" -D "$dir/data" -A trust -U postgres -E UTF8 --no-locale >"$dir/initdb.log" 2>&1; then
    echo "pg.sh: initdb failed: $(tail -n 3 "$dir/initdb.log")" >&2; rm -rf "$dir"; exit 3
  fi
  for _ in 1 2 3 4 5; do
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    echo "$port" >"$dir/port"
    if start_server "$dir" "$port"; then
      echo "PGDIR=$dir"
      echo "PGURL=postgresql://postgres@127.0.0.1:$port/postgres"
      exit 0
    fi
  done
  echo "pg.sh: the server did not start: $(tail -n 3 "$dir/log" 2>/dev/null)" >&2
  rm -rf "$dir"; exit 3 ;;
stop)
  [[ -d ${2:-} && -f $2/port ]] || { echo "pg.sh stop: not a pg.sh dir: ${2:-}" >&2; exit 2; }
  as_pg "$PGCTL" -D "$2/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$2" ;;
crash)
  as_pg "$PGCTL" -D "$2/data" -m immediate stop >/dev/null ;;
restart)
  start_server "$2" "$(cat "$2/port")" ;;
*)
  echo "usage: scripts/pg.sh start | stop DIR | crash DIR | restart DIR" >&2; exit 2 ;;
esac

# Shared helpers for shell tests: source it, then call ok / not_ok / skip.
# Each prints one line in the format tests/run.sh counts.
# shellcheck shell=bash
: "${KENCHI:?}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

ok()     { echo "ok $1"; }
not_ok() { echo "not ok $1: $2"; }
skip()   { echo "skip $1: $2"; }

# check NAME ACTUAL EXPECTED: equality of two strings or numbers.
check() {
  if [[ "$2" == "$3" ]]; then ok "$1"; else not_ok "$1" "got '$2', expected '$3'"; fi
}

# Tests that read ../shared/data skip, saying so, where it is absent.
have_data() { [[ -d "$KENCHI_DATA/pcap" || -d "$KENCHI_DATA/mail" ]]; }

# figures_dump DB: everything a database's figures are made of (per-source
# records, per-port and per-tag rows, per-day counters, file totals), in
# key order, for comparing two databases (needs sqlite3).
figures_dump() {
  sqlite3 "$1" "SELECT day, addr, family, first_ns, last_ns, packets, nports, hex(ports), tags
                FROM source_day ORDER BY day, addr;
                SELECT * FROM day_port ORDER BY 1, 2, 3, 4;
                SELECT * FROM day_tag_port ORDER BY 1, 2, 3, 4;
                SELECT * FROM day_family ORDER BY 1, 2;
                SELECT SUM(packets), SUM(accesses) FROM files"
}

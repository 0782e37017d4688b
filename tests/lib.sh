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

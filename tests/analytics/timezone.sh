#!/usr/bin/env bash
# Day boundaries follow the database's time zone: the same four packets
# fall on different days in UTC and in Asia/Tokyo (UTC+9, no DST).
source "$(dirname "$0")/../lib.sh"
here=$(dirname "$0")
command -v python3 >/dev/null || { skip timezone "python3 missing"; exit 0; }
# 2020-05-17 14:59:59Z = 23:59:59 JST; 15:00:00Z = 05-18 00:00 JST;
# 23:59:59Z = 05-18 08:59:59 JST; 2020-05-18 00:00:00Z = 05-18 09:00 JST.
python3 "$here/mkpcap.py" "$TMP/tz.pcap" <<'SPEC'
1589727599 198.51.100.1 192.0.2.1 tcp dport=23
1589727600 198.51.100.1 192.0.2.1 tcp dport=23
1589759999 198.51.100.2 192.0.2.1 tcp dport=80
1589760000 198.51.100.2 192.0.2.1 tcp dport=80
SPEC
days() { "$KENCHI" report --db "$1" --format csv | awk -F, '$1 == "day" { printf "%s=%s/%s ", $2, $6, $12 }'; }
"$KENCHI" analyze --db "$TMP/utc.db" --sensor 192.0.2.0/24 "$TMP/tz.pcap" >/dev/null
"$KENCHI" analyze --db "$TMP/tokyo.db" --sensor 192.0.2.0/24 --tz Asia/Tokyo "$TMP/tz.pcap" >/dev/null
# date=accesses/sources
check timezone_utc "$(days "$TMP/utc.db")" "2020-05-17=3/2 2020-05-18=1/1 "
check timezone_tokyo "$(days "$TMP/tokyo.db")" "2020-05-17=1/1 2020-05-18=3/2 "
check timezone_tokyo_first_seen "$(sqlite3 "$TMP/tokyo.db" "SELECT first_ns / 1000000000 FROM source_day WHERE day = '2020-05-18' AND addr = '198.51.100.1'")" 1589727600

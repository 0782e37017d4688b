#!/usr/bin/env bash
# Every figure of docs/metrics.md, hand-checked on a small hand-built
# capture: 23 packets whose expected values are worked out in the comments
# below (wide-port threshold 3, so the wide-port rule is checked by hand).
source "$(dirname "$0")/../lib.sh"
command -v python3 >/dev/null || { skip handcheck "python3 missing (writes the capture)"; exit 0; }
here=$(dirname "$0")
# 192.0.2.1 = 3221225985, 192.0.2.2 = 3221225986 (Mirai: seq == destination).
# masscan: id = (0xC0000204 ^ 80 ^ 0x12345678) & 0xFFFF = 0x542C = 21548.
python3 "$here/mkpcap.py" "$TMP/hand.pcap" <<'SPEC'
1589673600 198.51.100.1 192.0.2.1 tcp dport=23 seq=3221225985        # 1 mirai, low
1589673601 198.51.100.1 192.0.2.2 tcp dport=37215 seq=3221225986     # 2 mirai, high
1589673602 198.51.100.2 192.0.2.3 tcp dport=3389 id=54321            # 3 zmap, rdp, high
1589673603 198.51.100.2 192.0.2.3 tcp dport=3389 win=1024 mss=1460   # 4 nmap, rdp, high
1589673604 198.51.100.3 192.0.2.4 tcp dport=80 seq=305419896 id=21548 # 5 masscan, low
1589673605 203.0.113.9 192.0.2.5 tcp dport=50000 flags=SA            # 6 backscatter, high
1589673606 203.0.113.9 192.0.2.5 tcp dport=50001 flags=R             # 7 backscatter, high
1589673607 203.0.113.9 192.0.2.6 icmp type=0                         # 8 backscatter (echo reply)
1589673608 203.0.113.10 192.0.2.6 icmp type=8                        # 9 probe, no port
1589673609 198.51.100.4 192.0.2.7 tcp dport=1                        # 10 wide: 3 pairs
1589673610 198.51.100.4 192.0.2.7 tcp dport=2
1589673611 198.51.100.4 192.0.2.7 udp dport=2
1589673612 198.51.100.5 192.0.2.8 tcp dport=1                        # 11 not wide: 2 pairs
1589673613 198.51.100.5 192.0.2.8 tcp dport=2
1589673614 198.51.100.5 192.0.2.8 tcp dport=2
1589673615 198.51.100.5 192.0.2.8 tcp dport=3 flags=R                # backscatter: no pair
1589673616 2001:db8:ff::1 2001:db8:0:1::5 tcp dport=22               # 12 IPv6 probe, low
1589673617 2001:db8:ff::1 2001:db8:0:1::5 icmp6 type=129             # 13 IPv6 backscatter
1589673618 198.51.100.1 192.0.3.1 tcp dport=23 seq=3221226241        # 14 not a sensor
1589673619 0.0.0.0 0.0.0.0 arp                                       # 15 no IP
1589673620 198.51.100.9 192.0.2.9 trunc_ip                           # 16 IP header cut
1589673621 2001:db8:ff::2 2001:db8:0:2::1 udp dport=53               # 17 not a sensor
1589760005 198.51.100.1 192.0.2.1 tcp dport=23 seq=3221225985        # 18 next day, mirai
SPEC
"$KENCHI" analyze --db "$TMP/h.db" --sensor 192.0.2.0/24 --sensor 2001:db8:0:1::/64 \
  --wide-ports 3 "$TMP/hand.pcap" >"$TMP/out" 2>&1 || { not_ok handcheck_analyze "$(cat "$TMP/out")"; exit 0; }
"$KENCHI" report --db "$TMP/h.db" --format json >"$TMP/r.json" || { not_ok handcheck_report "report failed"; exit 0; }

python3 - "$TMP/r.json" <<'PY' || not_ok handcheck_checks_ran "the Python checks stopped before their end"
import json, sys
r = json.load(open(sys.argv[1]))
days = {d["date"]: d for d in r["days"]}
def check(name, got, want):
    if isinstance(want, float):
        good = got is not None and abs(got - want) <= 1e-12
    else:
        good = got == want
    print(("ok %s" % name) if good else ("not ok %s: got %r, expected %r" % (name, got, want)))
check("handcheck_dates", sorted(days), ["2020-05-17", "2020-05-18"])
d = days.get("2020-05-17", {})
want = {
    "sensor_addresses_v4": 256, "sensor_addresses_v6": "18446744073709551616",
    "accesses": 18, "accesses_v4": 16, "accesses_v6": 2,      # 1-11 (16 packets), 12-13
    "accesses_per_ip": 16 / 256,
    "low_port_per_ip": 9 / 256,                               # 1, 5, 10 (3), 11 (4)
    "high_port_per_ip": 5 / 256,                              # 2, 3, 4, 6, 7
    "sources": 8,                                             # 7 IPv4 + 1 IPv6
    "wide_port_sources": 1,                                   # only 198.51.100.4
    "mirai": 2, "mirai_per_ip": 2 / 256, "mirai_by_port": {"23": 1, "37215": 1},
    "rdp_3389": 2, "rdp_3389_per_ip": 2 / 256,
    "backscatter": 5,                                         # 6, 7, 8, the RST in 11, 13
    "tags": {"mirai": 2, "zmap": 1, "masscan": 1, "nmap": 1},
    "low_port": 10, "high_port": 5, "probes": 13,
}
for k, v in want.items():
    check("handcheck_day1_" + k, d.get(k), v)
d2 = days.get("2020-05-18", {})
for k, v in {"accesses": 1, "mirai": 1, "mirai_by_port": {"23": 1}, "sources": 1,
             "wide_port_sources": 0, "backscatter": 0, "low_port_per_ip": 1 / 256}.items():
    check("handcheck_day2_" + k, d2.get(k), v)
p = r["periods"][0] if r["periods"] else {}
check("handcheck_period_label", p.get("period"), "2020-05")
check("handcheck_period_days", p.get("days"), 2)
check("handcheck_period_total_accesses", p.get("totals", {}).get("accesses"), 19)
check("handcheck_period_mean_accesses", p.get("per_day", {}).get("accesses"), 9.5)
check("handcheck_period_distinct_sources", p.get("totals", {}).get("distinct_sources"), 8)
g = r["ingest"]
check("handcheck_ingest", (g["packets"], g["accesses"], g["not_sensor"], g["no_ip"], g["truncated_ip"]),
      (23, 19, 2, 1, 1))
PY

# An independent oracle: tcpdump's filter for the Mirai fingerprint.
if command -v tcpdump >/dev/null; then
  n=$(tcpdump -nn -r "$TMP/hand.pcap" 'dst net 192.0.2.0/24 and tcp[13] & 0x12 = 0x02 and tcp[4:4] = ip[16:4]' 2>/dev/null | wc -l)
  k=$(sqlite3 "$TMP/h.db" 'SELECT SUM(mirai) FROM day_family' 2>/dev/null || echo none)
  check handcheck_mirai_vs_tcpdump "$k" "$n"
else
  skip handcheck_mirai_vs_tcpdump "tcpdump missing"
fi
# Per-source records, through plain SQL on the documented schema.
if command -v sqlite3 >/dev/null; then
  check handcheck_sql_source "$(sqlite3 "$TMP/h.db" "SELECT packets, nports, length(ports), tags FROM source_day WHERE day = '2020-05-17' AND addr = '198.51.100.5'")" "4|2|8|0"
  check handcheck_sql_wide "$(sqlite3 "$TMP/h.db" "SELECT nports, ports IS NULL FROM source_day WHERE addr = '198.51.100.4'")" "3|1"
  check handcheck_sql_tags "$(sqlite3 "$TMP/h.db" "SELECT tags FROM source_day WHERE day = '2020-05-17' AND addr = '198.51.100.2'")" "10"
else
  skip handcheck_sql "sqlite3 missing (handcheck_sql_source, _wide, _tags)"
fi

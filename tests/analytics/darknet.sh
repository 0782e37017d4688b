#!/usr/bin/env bash
# Real darknet captures (../shared/data/pcap/darknet): kenchi's Mirai and
# backscatter counts equal what tcpdump filter expressions count, file by
# file, with every address a sensor address.
source "$(dirname "$0")/../lib.sh"
dir="$KENCHI_DATA/pcap/darknet"
[[ -d "$dir" ]] || { skip darknet "no $dir (public test data absent)"; exit 0; }
command -v tcpdump >/dev/null || { skip darknet "tcpdump missing"; exit 0; }
command -v sqlite3 >/dev/null || { skip darknet "sqlite3 missing"; exit 0; }
MIRAI='ip and tcp[13] & 0x12 = 0x02 and tcp[4:4] = ip[16:4]'
BACK='(tcp and (tcp[13] & 0x04 != 0 or tcp[13] & 0x12 = 0x12))
  or (icmp and (icmp[0] = 0 or icmp[0] = 3 or icmp[0] = 4 or icmp[0] = 5 or icmp[0] = 11
               or icmp[0] = 12 or icmp[0] = 14 or icmp[0] = 16 or icmp[0] = 18))
  or (icmp6 and (ip6[40] >= 1 and ip6[40] <= 4 or ip6[40] = 129))'
# BPF offsets only see through one 802.1Q tag after the `vlan` keyword.
count() { tcpdump -nn -r "$1" "($2) or (vlan and ($2))" 2>/dev/null | wc -l; }
n=0
for f in "$dir"/*/*.pcap "$dir"/*/*.trace; do
  [[ -f "$f" ]] || continue
  name=$(basename "$f")
  db="$TMP/$name.db"
  "$KENCHI" analyze --db "$db" --sensor 0.0.0.0/0 --sensor ::/0 "$f" >/dev/null 2>&1 ||
    { not_ok "darknet_$name" "analyze failed"; continue; }
  check "darknet_mirai_$name" "$(sqlite3 "$db" 'SELECT TOTAL(mirai) FROM day_family' | cut -d. -f1)" "$(count "$f" "$MIRAI")"
  check "darknet_backscatter_$name" "$(sqlite3 "$db" 'SELECT TOTAL(backscatter) FROM day_family' | cut -d. -f1)" "$(count "$f" "$BACK")"
  n=$((n + 1))
done
[[ $n -gt 0 ]] || skip darknet "no captures found in $dir"

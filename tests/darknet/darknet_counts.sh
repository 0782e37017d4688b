# Real darknet captures ($KENCHI_DATA/pcap/darknet): kenchi's Mirai,
# backscatter, access and fingerprint counts equal tcpdump filter counts of
# the contract's definitions (tests/scanners/oracle.inc), with sensor
# prefixes chosen to cover each file's destinations:
#   bro-simple-scan/backscatter.trace  SYN-ACKs from a DoS victim to LBL's
#       darknet 192.150.186.0/23, and the darknet hosts' RSTs back to it
#   suricata-verify mirai-syn-23       two Mirai SYNs (TCP data offset 24 in
#       a 40-byte packet) to 185.100.143.115 and 95.130.237.126
#   ndpi/synscan.pcap                  an nmap SYN scan of 64.13.134.52 from
#       172.16.0.8, and its SYN-ACK/RST answers
. tests/lib.sh
. tests/scanners/oracle.inc
DARK="$KENCHI_DATA/pcap/darknet"

if [[ ! -d "$DARK" ]]; then
  skip darknet_counts "no $DARK (public test data absent)"
  exit 0
fi
if "$KENCHI" analyze --help 2>&1 | grep -q "unknown command"; then
  skip darknet_counts "kenchi analyze is not a command yet"
  exit 0
fi

# case NAME FILE "FIELDS" CIDR...: analyse FILE with those sensors, then
# compare each field (accesses, mirai, backscatter, tag_*) with tcpdump.
case_() {
  local name=$1 file=$2 fields=$3; shift 3
  local db="$TMP/$name.db" args=() c
  for c in "$@"; do args+=(--sensor "$c"); done
  if [[ ! -r "$file" ]]; then skip "darknet_$name" "no $file"; return; fi
  if ! "$KENCHI" analyze --db "$db" "${args[@]}" "$file" >"$TMP/$name.out" 2>&1; then
    not_ok "darknet_$name" "analyze failed: $(tail -1 "$TMP/$name.out")"; return
  fi
  local totals dst
  totals=$(kenchi_totals "$db") || { not_ok "darknet_$name" "report failed"; return; }
  dst=$(dst_filter "$@")
  compare_fields "darknet_${name}" "$file" "$totals" "$dst" $fields
}

ALL="accesses mirai backscatter tag_mirai tag_zmap tag_masscan tag_nmap"
case_ backscatter_darknet "$DARK/bro-simple-scan/backscatter.trace" "$ALL" 192.150.186.0/23
case_ backscatter_both_ways "$DARK/bro-simple-scan/backscatter.trace" "$ALL" \
  192.150.186.0/23 202.229.120.98/32
case_ mirai_syn23 "$DARK/suricata-verify/mac-eve-packet_mirai-syn-23.pcap" "$ALL" \
  185.100.143.0/24 95.130.237.0/24
case_ nmap_target "$DARK/ndpi/synscan.pcap" "$ALL" 64.13.134.52/32
case_ nmap_scanner "$DARK/ndpi/synscan.pcap" "$ALL" 172.16.0.0/24

# The oracle itself must see what the files are known to hold, or a
# broken filter could make both sides agree on zero. The numbers come from
# neither kenchi nor tcpdump: 3468 and 424 are tshark's counts of the same
# definitions on the outer headers (`ip.dst#1 == 192.150.186.0/23 &&
# ((tcp.flags.syn#1 == 1 && tcp.flags.ack#1 == 1) || tcp.flags.reset#1 == 1
# || icmp.type in {0,3,4,5,11,12,14,16,18})`; `tcp.flags.syn == 1 &&
# tcp.flags.ack == 0 && tcp.flags.reset == 0 && tcp.window_size_value == 1024
# && tcp.hdr_len == 24 && tcp.options.mss_val == 1460`), and the two Mirai
# SYNs carry seq 3110375283 = 185.100.143.115 and 1602415998 = 95.130.237.126.
check darknet_oracle_backscatter "$(tcount "$DARK/bro-simple-scan/backscatter.trace" "$(dst_filter 192.150.186.0/23) and $F_BACKSCATTER4")" 3468
check darknet_oracle_mirai "$(tcount "$DARK/suricata-verify/mac-eve-packet_mirai-syn-23.pcap" "$F_MIRAI")" 2
check darknet_oracle_nmap "$(tcount "$DARK/ndpi/synscan.pcap" "$F_NMAP")" 424

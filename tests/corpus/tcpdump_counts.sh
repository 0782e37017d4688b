#!/usr/bin/env bash
# kenchi against tcpdump, file by file, over every capture in
# $KENCHI_DATA/pcap:
#  (b) packets read: kenchi's count equals `tcpdump -r F --count` (when
#      tcpdump stops with an error, both counts are of what was read before
#      it). Where tcpdump refuses a pcapng file because its interfaces have
#      different link types or snapshot lengths (a libpcap 1.10 limit, see
#      docs/capture.md), capinfos (Wireshark's reader) is the oracle.
#  (c) for Ethernet, Linux SLL/SLL2, raw IP and LINKTYPE_IPV4/IPV6 files:
#      kenchi's ipv4/ipv6/tcp/udp counts equal BPF filter counts. The
#      expressions below say in BPF what kenchi's definitions say
#      (docs/capture.md, "Comparison with tcpdump"):
#        ipv4: EtherType/protocol IPv4, version 4, IHL >= 5, total length >=
#              header length, the whole header captured (a load of its last
#              byte fails, and the filter rejects, when it is not);
#        ipv6: version 6 and the 40-byte header captured;
#        tcp/udp: IPv4 protocol field / IPv6 `protochain` (the next header
#              after the extension headers, as kenchi walks them).
#      kenchi follows 802.1Q/802.1ad tags and PPPoE; BPF's `ip` does not, so
#      each count adds `P (X)` for P in "", "vlan and", "vlan and vlan and",
#      "pppoes and", "vlan and pppoes and", "vlan and vlan and pppoes and"
#      (disjoint sets: they differ in the EtherTypes before the IP header).
#      The counts come from tests/corpus/bpf_count.c: libpcap's pcap_compile
#      and BPF interpreter, what `tcpdump -r F --count EXPR` runs, for all
#      expressions in one process (thousands of tcpdump runs would not fit
#      the test's time budget under the sanitised build).
#      One difference by design: kenchi follows at most 10 IPv6 extension
#      headers (anomaly ipv6_ext_chain_too_long; the packet is IPv6 but
#      neither TCP nor UDP), BPF's protochain follows more; files with that
#      anomaly are reported, not compared, for tcp/udp.
source "$(dirname "$0")/../lib.sh"
name=corpus_tcpdump
dir="$KENCHI_DATA/pcap"
if [[ ! -d "$dir" ]]; then skip "$name" "no $dir"; exit 0; fi
for t in tcpdump capinfos jq; do
  command -v $t >/dev/null || { skip "$name" "$t not installed"; exit 0; }
done

mapfile -t files < <(find "$dir" -type f ! -iname 'LICENSE*' ! -name 'COPYING*' | sort)
"$KENCHI" stats --json "${files[@]}" >"$TMP/k.json" 2>"$TMP/k.err"
jq -r '.files[] | [.file, (.packets // -1), ((.linktypes // []) | map(.linktype | tostring) | join(",")),
        (.ipv4 // 0), (.ipv6 // 0), (.tcp // 0), (.udp // 0), (.compression // "none"),
        (.anomalies.ipv6_ext_chain_too_long // 0)] | @tsv' "$TMP/k.json" >"$TMP/k.tsv"
# Every file given is in kenchi's report (else the comparisons below would
# cover only what it chose to list, or nothing at all).
listed=$(wc -l <"$TMP/k.tsv")
if [[ $listed -ne ${#files[@]} ]]; then
  not_ok "${name}_count" "kenchi reported $listed of ${#files[@]} files: $(head -c 300 "$TMP/k.err" | tr "\n" " ")"
fi

cc -O2 -o "$TMP/bpf_count" "$(dirname "$0")/bpf_count.c" -lpcap || { not_ok "$name" "cannot build bpf_count"; exit 0; }
V4='ip and (ip[0] & 0xf0) = 0x40 and (ip[0] & 0xf) >= 5 and ip[2:2] >= (ip[0] & 0xf) * 4 and ip[(ip[0] & 0xf) * 4 - 1] + 1 > 0'
V6='ip6 and (ip6[0] & 0xf0) = 0x60 and ip6[39] + 1 > 0'
TCP="($V4 and ip[9] = 6) or ($V6 and ip6 protochain 6)"
UDP="($V4 and ip[9] = 17) or ($V6 and ip6 protochain 17)"
for base in "$V4" "$V6" "$TCP" "$UDP"; do
  for pre in '' 'vlan and ' 'vlan and vlan and ' 'pppoes and ' 'vlan and pppoes and ' 'vlan and vlan and pppoes and '; do
    echo "$pre($base)"
  done
done >"$TMP/exprs"

# The readable bytes of each file: tcpdump reads no compressed files.
i=0
while IFS=$'\t' read -r f kn links k4 k6 ktcp kudp comp toolong; do
  i=$((i + 1))
  plain=$f
  case "$comp" in
    gzip) plain="$TMP/plain$i"; gzip -dc <"$f" >"$plain" ;;
    zstd) plain="$TMP/plain$i"; zstd -qdc <"$f" >"$plain" ;;
  esac
  printf '%s\0' "$plain" >>"$TMP/plain.list"
  printf '%s\t%s\n' "$f" "$plain" >>"$TMP/plain.map"
done <"$TMP/k.tsv"

# tcpdump's count per file (-1 when it printed none), and whether libpcap
# refused a pcapng interface ("an interface has a type 0 different from the
# type of the first interface", or the same for the snapshot length). Two
# tcpdump processes at a time: a thousand of them dominate this test's time.
# shellcheck disable=SC2016
xargs -0 -P 2 -n 64 bash -c 'for f; do
  e=$(tcpdump -r "$f" --count 2>&1 >"$0.$$") || true
  n=$(awk "/ packets?\$/ {print \$1}" "$0.$$")
  refused=0; [[ "$e" == *"different from the "*" of the first interface"* ]] && refused=1
  printf "%s\t%s\t%s\n" "$f" "${n:--1}" "$refused"
done; rm -f "$0.$$"' "$TMP/tc" <"$TMP/plain.list" >"$TMP/tcpdump.tsv"
declare -A tcount trefused
while IFS=$'\t' read -r p n r; do tcount[$p]=$n trefused[$p]=$r; done <"$TMP/tcpdump.tsv"

compared=0 equal=0 by_capinfos=0 refused=0
: >"$TMP/eligible"
while IFS=$'\t' read -r f kn links k4 k6 ktcp kudp comp toolong <&3 && IFS=$'\t' read -r _ plain <&4; do
  t=${tcount[$plain]:-missing}
  if [[ $kn -lt 0 ]]; then
    # kenchi rejected the file: tcpdump must not read packets from it either.
    refused=$((refused + 1))
    if [[ $t != -1 ]]; then not_ok "${name}_count" "$f: kenchi rejected it, tcpdump says $t packets"; fi
    continue
  fi
  compared=$((compared + 1))
  oracle=$t by_tcpdump=1
  if [[ ${trefused[$plain]:-0} == 1 ]]; then
    oracle=$(capinfos -M -c "$plain" 2>/dev/null | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')
    by_capinfos=$((by_capinfos + 1)) by_tcpdump=0
  fi
  if [[ "$kn" != "$oracle" ]]; then
    not_ok "${name}_count" "$f: kenchi $kn packets, oracle $oracle"
    continue
  fi
  equal=$((equal + 1))
  case "$links" in
    1|113|276|101|228|229) [[ $by_tcpdump == 1 ]] && printf '%s\t%s\t%s %s %s %s\t%s\n' "$plain" "$f" "$k4" "$k6" "$ktcp" "$kudp" "$toolong" >>"$TMP/eligible" ;;
  esac
done 3<"$TMP/k.tsv" 4<"$TMP/plain.map"

cut -f1 "$TMP/eligible" | tr '\n' '\0' | xargs -0 "$TMP/bpf_count" "$TMP/exprs" >"$TMP/bpf.tsv"
# Sums each base expression's 6 link-layer variants ("x": does not compile
# for this link type, so it matches nothing).
awk -F'\t' '{ printf "%s", $1; for (b = 0; b < 4; b++) { s = 0; for (v = 0; v < 6; v++) { c = $(2 + b * 6 + v); if (c != "x") s += c } printf "%s%d", (b ? " " : "\t"), s } print "" }' \
  "$TMP/bpf.tsv" >"$TMP/bpf.sum"
cmp_c=0 equal_c=0 by_design=0
while IFS=$'\t' read -r plain f got toolong <&3 && IFS=$'\t' read -r bplain want <&4; do
  [[ "$plain" == "$bplain" ]] || { not_ok "$name" "bpf_count output out of step at $f"; break; }
  cmp_c=$((cmp_c + 1))
  if [[ "$got" == "$want" ]]; then
    equal_c=$((equal_c + 1))
  elif [[ $toolong -gt 0 && "${got% * *}" == "${want% * *}" ]]; then
    by_design=$((by_design + 1))
    echo "# by design: $f: ipv4/ipv6/tcp/udp kenchi $got, BPF $want; $toolong packets with more than 10 IPv6 extension headers"
  else
    not_ok "${name}_protocols" "$f: kenchi ipv4/ipv6/tcp/udp $got, BPF $want"
  fi
done 3<"$TMP/eligible" 4<"$TMP/bpf.sum"

echo "# (b) $compared files read by kenchi, $equal with the oracle's count ($by_capinfos of them by capinfos: libpcap refuses these pcapng files), $refused rejected by kenchi and read by neither"
echo "# (c) $cmp_c Ethernet/SLL/raw files compared, $equal_c equal, $by_design differing by design (above)"
# A mismatch was reported above, file by file; nothing compared is a
# failure too, not a silent pass.
if [[ $compared -eq 0 ]]; then not_ok "${name}_count" "no file compared"
elif [[ $equal -eq $compared && $listed -eq ${#files[@]} ]]; then ok "${name}_count ($equal files)"; fi
if [[ $cmp_c -eq 0 ]]; then not_ok "${name}_protocols" "no Ethernet/SLL/raw file compared"
elif [[ $((equal_c + by_design)) -eq $cmp_c ]]; then ok "${name}_protocols ($equal_c files equal, $by_design by design)"; fi

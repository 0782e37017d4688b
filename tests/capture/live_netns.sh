#!/usr/bin/env bash
# Live capture in two network namespaces of our own joined by a veth pair
# (documentation prefixes 192.0.2.0/24 and 2001:db8::/64, no default
# route): a known number of packets (hping3 ICMP echoes, UDP datagrams from
# bash's /dev/udp) from one side, `kenchi capture` on the
# other. Checks the counts, that SIGTERM/SIGINT end it cleanly with final
# statistics (kernel received/dropped), that -c stops it, and that the -w
# file holds the packets (tcpdump -r --count as the oracle).
source "$(dirname "$0")/../lib.sh"
name=capture_live
if [[ $(id -u) -ne 0 ]]; then skip "$name" "needs root for network namespaces"; exit 0; fi
for t in ip hping3 tcpdump jq; do command -v $t >/dev/null || { skip "$name" "$t not installed"; exit 0; }; done
A=kn-cap-a-$$ B=kn-cap-b-$$
cleanup() { ip netns del "$A" 2>/dev/null; ip netns del "$B" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
if ! ip netns add "$A" 2>/dev/null || ! ip netns add "$B" 2>/dev/null; then
  skip "$name" "cannot create network namespaces here"; exit 0
fi
ip link add kna$$ type veth peer name knb$$ || { skip "$name" "no veth support"; exit 0; }
ip link set kna$$ netns "$A"
ip link set knb$$ netns "$B"
ip -n "$A" addr add 192.0.2.1/24 dev kna$$
ip -n "$B" addr add 192.0.2.2/24 dev knb$$
ip -n "$A" addr add 2001:db8::1/64 dev kna$$ nodad
ip -n "$B" addr add 2001:db8::2/64 dev knb$$ nodad
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" link set kna$$ up
ip -n "$B" link set knb$$ up

# start_capture OUT ARGS...: kenchi capture in B, in the background; waits
# until it has opened the interface. Sets $cap_pid.
start_capture() {
  local out=$1; shift
  ip netns exec "$B" timeout 60 "$KENCHI" capture -i knb$$ "$@" >"$out.json" 2>"$out.err" &
  cap_pid=$!
  for _ in $(seq 100); do grep -q 'capturing on' "$out.err" 2>/dev/null && break; sleep 0.1; done
  sleep 0.3
}

# 1. 5 IPv4 echo requests and their 5 replies pass the filter; SIGTERM ends it.
start_capture "$TMP/v4" -w "$TMP/v4.pcap" --json icmp
ip netns exec "$A" hping3 -q -1 -c 5 -i u200000 192.0.2.2 >/dev/null 2>&1
sleep 0.6  # let the last replies reach the capture
kill -TERM $cap_pid
wait $cap_pid
rc=$?
check "$name sigterm exit status" "$rc" 0
j="$TMP/v4.json"
check "$name ipv4 packets" "$(jq .packets "$j")" 10
check "$name ipv4 icmp" "$(jq .icmp "$j")" 10
check "$name ipv4 ip outcome" "$(jq .outcomes.ip "$j")" 10
# The kernel counts every packet its socket took, and a packet that arrives
# after the socket opens but before libpcap attaches the BPF filter (an IPv6
# router solicitation or MLD report on the fresh veth) is counted there and
# then discarded by libpcap: so at least the 10, maybe a stray one more.
kr=$(jq .kernel_received "$j")
if [[ "$kr" =~ ^[0-9]+$ ]] && (( kr >= 10 )); then ok "$name kernel received"; else not_ok "$name kernel received" "got '$kr', expected at least 10"; fi
check "$name kernel dropped" "$(jq .kernel_dropped "$j")" 0
check "$name -w file holds them" "$(tcpdump -r "$TMP/v4.pcap" --count 2>/dev/null | awk '{print $1}')" 10
check "$name -w file echo requests" "$(tcpdump -r "$TMP/v4.pcap" --count 'icmp[icmptype] = icmp-echo' 2>/dev/null | awk '{print $1}')" 5
check "$name -w file sources" "$(tcpdump -nn -r "$TMP/v4.pcap" 'src host 192.0.2.1' --count 2>/dev/null | awk '{print $1}')" 5

# 2. 4 IPv6 UDP datagrams to a closed port (the ICMPv6 errors they cause
# are rate-limited, so the filter keeps UDP only); SIGINT ends it.
start_capture "$TMP/v6" --json 'ip6 and udp'
ip netns exec "$A" bash -c 'for i in 1 2 3 4; do echo "kenchi $i" >/dev/udp/2001:db8::2/9; sleep 0.1; done' 2>/dev/null
sleep 0.6  # let the last replies reach the capture
kill -INT $cap_pid
wait $cap_pid
check "$name sigint exit status" "$?" 0
check "$name ipv6 packets" "$(jq .packets "$TMP/v6.json")" 4
check "$name ipv6 udp" "$(jq .udp "$TMP/v6.json")" 4
check "$name ipv6 count" "$(jq .ipv6 "$TMP/v6.json")" 4

# 3. -c 3 ends the capture by itself after 3 packets, table output.
start_capture "$TMP/c3" -c 3 -w "$TMP/c3.pcap" icmp
ip netns exec "$A" hping3 -q -1 -c 5 -i u200000 192.0.2.2 >/dev/null 2>&1
wait $cap_pid
check "$name -c exit status" "$?" 0
check "$name -c packets" "$(awk '$1 == "packets" {print $2}' "$TMP/c3.json")" 3
check "$name -c file" "$(tcpdump -r "$TMP/c3.pcap" --count 2>/dev/null | awk '{print $1}')" 3
if grep -q 'kernel received' "$TMP/c3.json"; then ok "$name table shows kernel counts"; else not_ok "$name table shows kernel counts" "$(head -c 300 "$TMP/c3.json")"; fi

# 4. Nothing to see: SIGTERM still ends it at once with an empty, valid file.
start_capture "$TMP/none" -w "$TMP/none.pcap" --json 'udp port 9'
start=$SECONDS
kill -TERM $cap_pid
wait $cap_pid
check "$name idle stop status" "$?" 0
if [[ $((SECONDS - start)) -le 2 ]]; then ok "$name idle stop is quick"; else not_ok "$name idle stop is quick" "$((SECONDS - start)) s"; fi
check "$name idle packets" "$(jq .packets "$TMP/none.json")" 0
check "$name idle file" "$(tcpdump -r "$TMP/none.pcap" --count 2>/dev/null | awk '{print $1}')" 0

# 5. Errors: a missing interface and a bad filter are one line each, status 1.
ip netns exec "$B" "$KENCHI" capture -i nosuch0 >/dev/null 2>"$TMP/e1"
check "$name missing interface status" "$?" 1
if [[ $(wc -l <"$TMP/e1") -eq 1 ]] && grep -q '^kenchi: nosuch0: ' "$TMP/e1"; then ok "$name missing interface message"; else not_ok "$name missing interface message" "$(cat "$TMP/e1")"; fi
ip netns exec "$B" "$KENCHI" capture -i knb$$ 'not a filter ((' >/dev/null 2>"$TMP/e2"
check "$name bad filter status" "$?" 1
if grep -q 'filter "not a filter (("' "$TMP/e2"; then ok "$name bad filter message"; else not_ok "$name bad filter message" "$(cat "$TMP/e2")"; fi

#!/usr/bin/env bash
# bench/blast, the live benchmark's sender, over a veth pair between two
# network namespaces of our own (no addresses, IPv6 off, so nothing else is
# on the wire): every packet of a generated capture arrives, --times N sends
# it N times, and frames the kernel must refuse (shorter than an Ethernet
# header, longer than the MTU) are reported as refused, not as sent.
# Oracle: tcpdump counting the packets of the file and of a capture taken
# on the receiving side.
source "$(dirname "$0")/../lib.sh"
name=blast_veth
BLAST=$BUILD/bench/blast
if [[ $(id -u) -ne 0 ]]; then skip "$name" "needs root for network namespaces"; exit 0; fi
for t in ip tcpdump python3 "$BLAST"; do command -v "$t" >/dev/null || { skip "$name" "$t not found"; exit 0; }; done
A=kn-bl-a-$$ B=kn-bl-b-$$
cleanup() {
  for p in $(ip netns pids "$B" 2>/dev/null); do kill "$p" 2>/dev/null; done
  ip netns del "$A" 2>/dev/null; ip netns del "$B" 2>/dev/null; rm -rf "$TMP"
}
trap cleanup EXIT
if ! ip netns add "$A" 2>/dev/null || ! ip netns add "$B" 2>/dev/null; then
  skip "$name" "cannot create network namespaces here"; exit 0
fi
for ns in "$A" "$B"; do ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; done
ip link add kbla$$ netns "$A" type veth peer name kblb$$ netns "$B" || { skip "$name" "no veth support"; exit 0; }
ip -n "$A" link set kbla$$ up
ip -n "$B" link set kblb$$ up
# A veth drops what it is given before both ends report carrier.
for _ in $(seq 50); do
  ip -n "$A" link show kbla$$ | grep -q 'state UP' && ip -n "$B" link show kblb$$ | grep -q 'state UP' && break
  sleep 0.1
done

# receive OUT: tcpdump on B's end into OUT.rx.pcap, in the background, until
# it listens. Sets $rx_pid. -U writes each packet as it comes: on some
# machines tcpdump, stopped by the signal, reported every packet captured
# and still left its last stdio buffer unwritten (32 packets short of
# 12,682, and an empty file for 3).
receive() {
  ip netns exec "$B" timeout 60 tcpdump -n -i kblb$$ -B 65536 -U -w "$1.rx.pcap" 2>"$1.err" &
  rx_pid=$!
  for _ in $(seq 100); do grep -q 'listening on' "$1.err" 2>/dev/null && break; sleep 0.1; done
}
# received OUT: stops the capture, prints how many packets it holds.
received() {
  sleep 2 # past tcpdump's 1 s read timeout: the last ring block is handed over
  kill -INT "$rx_pid"; wait "$rx_pid"
  tcpdump -r "$1.rx.pcap" --count 2>/dev/null | awk '{print $1}'
}

"$KENCHI" gen --out "$TMP/g.pcap" --truth "$TMP/t.json" --seed 3 --scale 1 >/dev/null 2>&1
n=$(tcpdump -r "$TMP/g.pcap" --count 2>/dev/null | awk '{print $1}')

# 1. Once: every packet sent and received.
receive "$TMP/once"
out=$(ip netns exec "$A" "$BLAST" kbla$$ "$TMP/g.pcap")
check "$name sent once" "$(grep -oE '^sent [0-9]+' <<<"$out")" "sent $n"
check "$name refused none" "$(grep -oE 'refused [0-9]+' <<<"$out")" "refused 0"
check "$name received once" "$(received "$TMP/once")" "$n"

# 2. --times 3 with small batches: three times the packets.
receive "$TMP/three"
out=$(ip netns exec "$A" "$BLAST" --times 3 --batch 7 kbla$$ "$TMP/g.pcap")
check "$name sent three times" "$(grep -oE '^sent [0-9]+' <<<"$out")" "sent $((3 * n))"
check "$name received three times" "$(received "$TMP/three")" "$((3 * n))"

# 3. A 60-byte frame, a 10-byte one (no whole Ethernet header) and a
#    2000-byte one (over the 1500 MTU), then two more good ones: 3 sent,
#    2 refused, and only the 3 arrive.
python3 - "$TMP/bad.pcap" <<'EOF'
import struct, sys
def frame(n):
    eth = b'\x02\x00\x00\x00\x00\x02' + b'\x02\x00\x00\x00\x00\x01' + b'\x08\x00'
    return (eth + bytes(max(0, n - 14)))[:n]
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, n in enumerate([60, 10, 2000, 60, 60]):
        f.write(struct.pack('<IIII', 1000 + i, 0, n, n) + frame(n))
EOF
receive "$TMP/bad"
out=$(ip netns exec "$A" "$BLAST" kbla$$ "$TMP/bad.pcap")
check "$name sent the good frames" "$(grep -oE '^sent [0-9]+' <<<"$out")" "sent 3"
check "$name refused the bad frames" "$(grep -oE 'refused [0-9]+' <<<"$out")" "refused 2"
check "$name received the good frames" "$(received "$TMP/bad")" 3

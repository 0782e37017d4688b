#!/usr/bin/env bash
# Load benchmark of the live path: a generated capture (SCALE x ~12,000
# packets a day; default 100, about 1.2 million packets) is replayed with
# tcpreplay --topspeed over a veth into `kenchi sensor` in a namespace
# created for the run. Prints the sender's rate, the rate the sensor
# counted at (its packets over the first-to-last packet time), the
# kernel's drops, and whether the figures equal `kenchi analyze` of the same
# capture (only meaningful with 0 drops). Needs root, ip netns, tcpreplay.
# usage: KENCHI=build/kenchi bench/live.sh [SCALE]
set -u
: "${KENCHI:?set KENCHI to the kenchi binary}"
SCALE=${1:-100}
TMP=$(mktemp -d)
NS_FEED="kbf$$"; NS_SENS="kbs$$"
cleanup() {
  for p in $(ip netns pids "$NS_SENS" 2>/dev/null) $(ip netns pids "$NS_FEED" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  ip netns del "$NS_FEED" 2>/dev/null; ip netns del "$NS_SENS" 2>/dev/null; rm -rf "$TMP"
}
if [[ $(id -u) != 0 ]] || ! command -v tcpreplay >/dev/null || ! ip netns add "$NS_FEED" 2>/dev/null; then
  echo "bench live: skipped (needs root, ip netns and tcpreplay)"; rm -rf "$TMP"; exit 0
fi
trap cleanup EXIT
ip netns add "$NS_SENS"
ip link add "$NS_FEED" netns "$NS_FEED" type veth peer name "$NS_SENS" netns "$NS_SENS"
ip -n "$NS_FEED" link set "$NS_FEED" up; ip -n "$NS_SENS" link set "$NS_SENS" up
ip netns exec "$NS_FEED" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip netns exec "$NS_SENS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
S=(--sensor 192.0.2.0/24 --sensor 2001:db8:0:1::/64)
"$KENCHI" gen --out "$TMP/g.pcap" --truth "$TMP/t.json" --seed 5 --scale "$SCALE" >/dev/null 2>&1
ip netns exec "$NS_SENS" "$KENCHI" sensor --interface "$NS_SENS" --db "$TMP/s.db" "${S[@]}" \
  --interval 5 --name bench 2>"$TMP/sensor.log" &
SP=$!
sleep 1
ip netns exec "$NS_FEED" tcpreplay --topspeed -i "$NS_FEED" "$TMP/g.pcap" >"$TMP/replay.log" 2>&1
sleep 1.5
kill -TERM "$SP"; wait "$SP"
sent=$(grep -oE 'Successful packets: *[0-9]+' "$TMP/replay.log" | grep -oE '[0-9]+$')
sent_rate=$(grep -oE 'Rated: [0-9.]+ Bps, [0-9.]+ Mbps, [0-9.]+ pps' "$TMP/replay.log" | grep -oE '[0-9.]+ pps')
read -r pk drops recv first last <<<"$(sqlite3 -separator ' ' "$TMP/s.db" \
  'SELECT SUM(packets), SUM(kernel_dropped), SUM(kernel_received), MIN(first_ns), MAX(last_ns) FROM files')"
rate=$(awk -v p="$pk" -v a="$first" -v b="$last" 'BEGIN { if (b > a) printf "%.0f", p / ((b - a) / 1e9); else print 0 }')
"$KENCHI" analyze --db "$TMP/a.db" "${S[@]}" "$TMP/g.pcap" >/dev/null 2>&1
same=no
cmp -s <("$KENCHI" report --db "$TMP/a.db" --format json | jq -S '{days}' | sed 's/"date": "[0-9-]*"//') \
       <("$KENCHI" report --db "$TMP/s.db" --format json | jq -S '{days}' | sed 's/"date": "[0-9-]*"//') && same=yes
echo "bench live: sent $sent packets at ${sent_rate:-? pps} (tcpreplay --topspeed); sensor counted $pk packets at $rate packets/s;" \
     "kernel received $recv, dropped $drops; figures equal offline analysis: $same"

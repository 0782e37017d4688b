#!/usr/bin/env bash
# Load benchmark of the live path (issue 6 item 6): a generated capture
# (SCALE x ~12,700 packets of one day; default 250, about 3.2 million
# packets) is sent over a veth pair between two network namespaces created
# for the run into `kenchi sensor` in the other namespace. The veth has no
# addresses and no routes; the namespaces are deleted on exit.
#
# The sender is bench/blast (sendmmsg batches from memory, pinned to core 0)
# by default; SENDER=tcpreplay uses `tcpreplay --topspeed --preload-pcap
# --no-flow-stats` instead (0.1-0.2 Mpps here: it measures itself). The
# sensor is pinned to core 1, so everything it does (capture reads,
# decoding, aggregation, interval commits) runs on one core. A veth delivers
# in the sender's context, so the kernel's receive work (the packet socket's
# copy into the sensor's ring) is charged to the sender's core, as a NIC's
# interrupt core would be.
#
# Prints the machine and its load, the sender's rate, the sensor's rate (its
# packets over the kernel timestamps of its first and last packet), the
# kernel's received and dropped counts (pcap_stats, as recorded per interval
# in the files table), the sensor's CPU time, and whether the figures equal
# `kenchi analyze` of the same capture. Needs root and ip netns.
# usage: KENCHI=build/kenchi bench/live.sh [SCALE]
#   env: BLAST (default: bench/blast next to KENCHI), SENDER=blast|tcpreplay,
#   TIMES (send the capture that many times, default 1; compared with the
#   analysis of one file holding it that many times), INTERVAL (the sensor's commit period, default 5 s: interval merges and
#   commits fall inside the run and share the sensor's core), LIVE_RT=1
#   runs sender and sensor SCHED_RR (chrt -r 10) for the few seconds of
#   the run: on a machine shared with other work this is what gives each
#   its core (the kernel still leaves others 5% of it). SCHED_RR, not
#   SCHED_FIFO: under FIFO an interval commit on the sensor's main thread
#   would run to its end before the capture thread on the same core.
set -u
: "${KENCHI:?set KENCHI to the kenchi binary}"
BLAST=${BLAST:-$(dirname "$KENCHI")/bench/blast}
SENDER=${SENDER:-blast}
SCALE=${1:-250}
TIMES=${TIMES:-1}
TMP=$(mktemp -d)
NS_FEED="kbf$$"; NS_SENS="kbs$$"
cleanup() {
  for p in $(ip netns pids "$NS_SENS" 2>/dev/null) $(ip netns pids "$NS_FEED" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  ip netns del "$NS_FEED" 2>/dev/null; ip netns del "$NS_SENS" 2>/dev/null; rm -rf "$TMP"
}
need=$([[ $SENDER == tcpreplay ]] && echo tcpreplay || echo "$BLAST")
if [[ $(id -u) != 0 ]] || ! command -v "$need" >/dev/null || ! ip netns add "$NS_FEED" 2>/dev/null; then
  echo "bench live: skipped (needs root, ip netns and $need)"; rm -rf "$TMP"; exit 0
fi
trap cleanup EXIT
ip netns add "$NS_SENS"
ip link add "$NS_FEED" netns "$NS_FEED" type veth peer name "$NS_SENS" netns "$NS_SENS"
ip -n "$NS_FEED" link set "$NS_FEED" up; ip -n "$NS_SENS" link set "$NS_SENS" up
ip netns exec "$NS_FEED" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip netns exec "$NS_SENS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
SEND_CPU=(); SENS_CPU=()
if (($(nproc) >= 2)); then SEND_CPU=(taskset -c 0); SENS_CPU=(taskset -c 1); fi
if [[ ${LIVE_RT:-0} == 1 ]]; then SEND_CPU=(chrt -r 10 "${SEND_CPU[@]}"); SENS_CPU=(chrt -r 10 "${SENS_CPU[@]}"); fi
S=(--sensor 192.0.2.0/24 --sensor 2001:db8:0:1::/64)
F=$TMP/g.pcap
"$KENCHI" gen --out "$F" --truth "$TMP/t.json" --seed 5 --scale "$SCALE" >/dev/null 2>&1 ||
  { echo "bench live: kenchi gen failed" >&2; exit 1; }

echo "bench live: machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench live: capture: kenchi gen --scale $SCALE, $(stat -c %s "$F") bytes, sent $TIMES time(s)"

# The sensor's CPU time so far (user + system, all threads), in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# The same for its main thread alone (signals, interval merges and commits).
main_ticks() { awk '{ print $14 + $15 }' "/proc/$1/task/$1/stat" 2>/dev/null || echo 0; }

ip netns exec "$NS_SENS" "${SENS_CPU[@]}" "$KENCHI" sensor --interface "$NS_SENS" --db "$TMP/s.db" \
  "${S[@]}" --interval "${INTERVAL:-5}" --name bench 2>"$TMP/sensor.log" &
SP=$!
sleep 1
t0=$(cpu_ticks "$SP"); m0=$(main_ticks "$SP")
if [[ $SENDER == tcpreplay ]]; then
  ip netns exec "$NS_FEED" "${SEND_CPU[@]}" tcpreplay --topspeed --preload-pcap --no-flow-stats \
    --loop "$TIMES" -i "$NS_FEED" "$F" >"$TMP/send.log" 2>&1
  sent=$(grep -oE 'Successful packets: *[0-9]+' "$TMP/send.log" | grep -oE '[0-9]+$')
  send_line="tcpreplay --topspeed: $(grep -oE 'Rated: .* pps' "$TMP/send.log"), $sent packets"
else
  ip netns exec "$NS_FEED" "${SEND_CPU[@]}" "$BLAST" --times "$TIMES" "$NS_FEED" "$F" >"$TMP/send.log" 2>&1
  sent=$(grep -oE '^sent [0-9]+' "$TMP/send.log" | grep -oE '[0-9]+')
  send_line="blast (sendmmsg): $(cat "$TMP/send.log")"
fi
# Wait until the sensor has read everything: its CPU time stops growing.
prev=-1; cur=$(cpu_ticks "$SP")
for ((i = 0; i < 300 && cur != prev; i++)); do prev=$cur; sleep 0.5; cur=$(cpu_ticks "$SP"); done
m1=$(main_ticks "$SP")
kill -TERM "$SP"; wait "$SP"
hz=$(getconf CLK_TCK)
cpu_s=$(awk -v a="$t0" -v b="$cur" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }')
main_s=$(awk -v a="$m0" -v b="$m1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }')
read_s=$(awk -v c="$cpu_s" -v m="$main_s" 'BEGIN { printf "%.2f", c - m }')
read -r pk drops recv first last <<<"$(sqlite3 -separator ' ' "$TMP/s.db" \
  'SELECT SUM(packets), SUM(kernel_dropped), SUM(kernel_received), MIN(first_ns), MAX(last_ns) FROM files')"
secs=$(awk -v a="$first" -v b="$last" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
rate=$(awk -v p="$pk" -v a="$first" -v b="$last" 'BEGIN { if (b > a) printf "%.0f", p / ((b - a) / 1e9); else print 0 }')
cpu_rate=$(awk -v p="$pk" -v c="$read_s" 'BEGIN { if (c > 0) printf "%.0f", p / c; else print 0 }')
# Sent TIMES times: the offline analysis reads one file holding the capture
# TIMES times over (analyze skips a file it has seen, so not F TIMES times).
OFF=$F
if ((TIMES > 1)); then
  OFF=$TMP/times.pcap
  mergecap -F pcap -a -w "$OFF" $(for ((i = 0; i < TIMES; i++)); do echo "$F"; done)
fi
"$KENCHI" analyze --db "$TMP/a.db" "${S[@]}" "$OFF" >/dev/null 2>&1
same=no
cmp -s <("$KENCHI" report --db "$TMP/a.db" --format json | jq -S '{days}' | sed 's/"date": "[0-9-]*"//') \
       <("$KENCHI" report --db "$TMP/s.db" --format json | jq -S '{days}' | sed 's/"date": "[0-9-]*"//') && same=yes
held=no
[[ $drops == 0 && $pk == "$sent" && $rate -ge 1000000 ]] && held=yes
echo "bench live: sender ${SEND_CPU[*]:+(${SEND_CPU[*]}) }$send_line"
echo "bench live: sensor ${SENS_CPU[*]:+(${SENS_CPU[*]}) }counted $pk packets in $secs s = $rate packets/s; CPU (user + system) $cpu_s s:"\
     "capture thread $read_s s (= $cpu_rate packets per CPU second), main thread (interval merges and commits) $main_s s"
echo "bench live: kernel received $recv, dropped $drops; figures equal offline analysis: $same"
echo "bench live: load average after: $(cut -d' ' -f1-3 /proc/loadavg); >= 1 Mpps with 0 drops: $held"
if [[ $held == no && $SENDER == blast && ${LIVE_RT:-0} != 1 && $drops == 0 ]]; then
  echo "bench live: (on a busy machine the sender shares its core; LIVE_RT=1 gives sender and sensor theirs)"
fi

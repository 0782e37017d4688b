#!/usr/bin/env bash
# SIGHUP and --user, on the loopback of a namespace created for the test.
# The sensor starts from a config file as root with --user nobody: it must
# run as nobody with exactly CAP_NET_RAW + CAP_NET_ADMIN effective, and
# still capture (refused TCP connections to 127.0.0.1: SYN and RST are accesses). Then the file's interval
# changes from 30 to 1 and SIGHUP is sent: the reload is logged and
# intervals are committed about every second afterwards. A reload that
# changes the sensor prefix is refused and the sensor keeps running.
source "$(dirname "$0")/../lib.sh"
NS="knr$$"
if [[ $(id -u) != 0 ]] || ! id nobody >/dev/null 2>&1 || ! ip netns add "$NS" 2>/dev/null; then
  skip sensor_reload_user "needs root, user nobody and ip netns"; exit 0
fi
trap 'for p in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$p"; done; ip netns del "$NS"; rm -rf "$TMP"' EXIT
chmod 755 "$TMP"
ip -n "$NS" link set lo up
cat >"$TMP/s.conf" <<EOC
[sensor]
name = r
interface = lo
sensor = 127.0.0.0/8
db = $TMP/r.db
interval = 30
user = nobody
EOC
ip netns exec "$NS" "$KENCHI" sensor --config "$TMP/s.conf" 2>"$TMP/log" &
SP=$!
sleep 1
uid=$(awk '/^Uid:/ { print $3 }' /proc/$SP/status)
capeff=$(awk '/^CapEff:/ { print $2 }' /proc/$SP/status)
check sensor_user_uid "$uid" "$(id -u nobody)"
check sensor_user_caps "$capeff" 0000000000003000   # bits 12 (NET_ADMIN) and 13 (NET_RAW)
sed -i 's/^interval = 30/interval = 1/' "$TMP/s.conf"
kill -HUP "$SP"
sleep 0.5
for _ in 1 2 3 4 5 6; do ip netns exec "$NS" bash -c "echo >/dev/tcp/127.0.0.1/9" 2>/dev/null; sleep 0.1; done
sleep 2.5
if grep -q "configuration reloaded: 1 interface(s), interval 1 s" "$TMP/log"; then ok sensor_sighup_reload
else not_ok sensor_sighup_reload "$(tail -2 "$TMP/log" | tr '\n' ' ')"; fi
n=$(sqlite3 "$TMP/r.db" 'SELECT COUNT(*) FROM files')
acc=$(sqlite3 "$TMP/r.db" 'SELECT COALESCE(SUM(accesses), 0) FROM files')
# the reload commits once, then one interval a second for ~2.5 s
if (( n >= 3 && acc >= 10 )); then ok "sensor_reload_interval_and_capture_as_nobody ($n intervals, $acc accesses)"
else not_ok sensor_reload_interval_and_capture_as_nobody "$n intervals, $acc accesses: $(grep -v "^<6>" "$TMP/log" | head -3 | tr "\n" " ")"; fi
sed -i 's|^sensor = 127.0.0.0/8|sensor = 127.0.0.0/16|' "$TMP/s.conf"
kill -HUP "$SP"
sleep 0.5
if grep -q "need a restart; keeping the running configuration" "$TMP/log" && kill -0 "$SP"; then
  ok sensor_sighup_refuses_sensor_change
else
  not_ok sensor_sighup_refuses_sensor_change "$(tail -2 "$TMP/log" | tr '\n' ' ')"
fi
kill -TERM "$SP"; wait "$SP"; rc=$?; [[ $rc == 0 ]] || cat "$TMP/log" >&2
check sensor_user_sigterm_exit "$rc" 0

#!/usr/bin/env bash
# kenchi and its helper programs (src/cli/commands.h): kenchi links none of
# the mail module's or the sensor network's libraries, runs their commands
# by exec'ing kenchi-mail / kenchi-network found beside itself or in
# ../libexec/kenchi/, passes arguments and exit status through, and says
# where it looked when a helper is missing.
source "$(dirname "$0")/../lib.sh"
BIN=$(dirname "$KENCHI")

# The point of the split: none of these in kenchi's own dependencies.
needed=$(readelf -d "$KENCHI" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
heavy=$(grep -E '^lib(pq|gmime|archive|microhttpd|magic|fuzzy|glib|gobject)' <<<"$needed" | tr '\n' ' ')
if [[ -n "$needed" && -z "$heavy" ]]; then ok cli_core_links_no_helper_libraries
else not_ok cli_core_links_no_helper_libraries "kenchi needs: ${heavy:-(readelf found nothing)}"; fi

# Each helper command answers through kenchi, with its own usage text.
for cmd in "mail" "sensor" "push" "central-report"; do
  out=$("$KENCHI" $cmd --help 2>&1); rc=$?
  if [[ $rc == 0 && "$out" == *"kenchi $cmd"* ]]; then ok "cli_helper_runs_${cmd}"
  else not_ok "cli_helper_runs_${cmd}" "exit $rc: $(head -1 <<<"$out")"; fi
done
# Exit status and arguments pass through the exec: a usage error is 2.
"$KENCHI" mail no-such-subcommand >/dev/null 2>&1
check cli_helper_usage_error_status $? 2
"$KENCHI" push --db "$TMP/none.db" >"$TMP/push.out" 2>&1
rc=$?
if [[ $rc == 2 ]] && grep -q -- '--central' "$TMP/push.out"; then ok cli_helper_gets_arguments
else not_ok cli_helper_gets_arguments "exit $rc: $(head -1 "$TMP/push.out")"; fi

# The helper replaces kenchi in the same process (exec, not a child), with
# kenchi's argv[0]: a sensor replaying a FIFO waits in open() for a writer,
# long enough to look at it in /proc.
mkfifo "$TMP/fifo"
"$KENCHI" sensor --replay "$TMP/fifo" --db "$TMP/s.db" --sensor 192.0.2.0/24 \
  >"$TMP/sensor.out" 2>&1 &
pid=$!
exe=""
for _ in $(seq 100); do
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null)
  [[ "$exe" == */kenchi-network ]] && break
  sleep 0.05
done
argv0=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -1)
: >"$TMP/fifo" # an empty capture: the sensor ends
wait $pid
rc=$?
if [[ "$exe" == "$(cd "$BIN" && pwd -P)/kenchi-network" && "$argv0" == "$KENCHI" ]]; then
  ok cli_helper_same_process
else
  not_ok cli_helper_same_process "pid $pid ran '$exe' with argv[0] '$argv0'"
fi
if ! grep -q 'cannot run' "$TMP/sensor.out" && [[ $rc == 0 || $rc == 1 ]]; then ok cli_sensor_exit_status_passes
else not_ok cli_sensor_exit_status_passes "exit $rc: $(head -1 "$TMP/sensor.out")"; fi

# A report of a centre URL goes to kenchi-network, which has libpq: the
# error is libpq's (nothing listens on port 1 of loopback).
out=$("$KENCHI" report --db postgresql://127.0.0.1:1/none 2>&1); rc=$?
if [[ $rc == 1 && "$out" == "kenchi report: connecting to the centre"* ]]; then ok cli_report_centre_via_helper
else not_ok cli_report_centre_via_helper "exit $rc: $out"; fi

# kenchi alone: its own commands work, a helper's command fails clearly.
mkdir -p "$TMP/alone"
cp "$KENCHI" "$TMP/alone/kenchi"
"$TMP/alone/kenchi" analyze --help >/dev/null 2>&1
check cli_alone_own_commands_work $? 0
out=$("$TMP/alone/kenchi" mail --help 2>&1); rc=$?
if [[ $rc == 1 && "$out" == *"cannot run kenchi-mail"* && "$out" == *"$TMP/alone/kenchi-mail"* &&
      "$out" == *"$TMP/alone/../libexec/kenchi/kenchi-mail"* ]]; then ok cli_alone_helper_missing_says_where
else not_ok cli_alone_helper_missing_says_where "exit $rc: $out"; fi
out=$("$TMP/alone/kenchi" report --db postgres://127.0.0.1:1/none 2>&1); rc=$?
if [[ $rc == 1 && "$out" == "kenchi report: cannot run kenchi-network"* ]]; then ok cli_alone_centre_report_says_why
else not_ok cli_alone_centre_report_says_why "exit $rc: $out"; fi

# The installed layout: bin/kenchi finds libexec/kenchi/kenchi-*.
mkdir -p "$TMP/root/bin" "$TMP/root/libexec/kenchi"
cp "$KENCHI" "$TMP/root/bin/kenchi"
cp "$BIN/kenchi-mail" "$TMP/root/libexec/kenchi/"
out=$("$TMP/root/bin/kenchi" mail --help 2>&1); rc=$?
if [[ $rc == 0 && "$out" == *"kenchi mail"* ]]; then ok cli_installed_layout_finds_helper
else not_ok cli_installed_layout_finds_helper "exit $rc: $(head -1 <<<"$out")"; fi

# Without /proc (a bare chroot or container) the helper is found from
# argv[0] when that is a path, and a bare name gets a clear error. ASan
# builds need /proc themselves, so only the plain build runs this.
if ldd "$KENCHI" 2>/dev/null | grep -q libasan; then
  skip cli_no_proc_uses_argv0 "a sanitised build cannot start without /proc"
  skip cli_no_proc_bare_name_says_why "a sanitised build cannot start without /proc"
elif [[ $(id -u) != 0 ]] || ! unshare --mount --propagation private true 2>/dev/null; then
  skip cli_no_proc_uses_argv0 "needs root and unshare(1) for a mount namespace"
  skip cli_no_proc_bare_name_says_why "needs root and unshare(1) for a mount namespace"
else
  out=$(unshare --mount --propagation private sh -c \
    'umount -l /proc && [ ! -e /proc/self/exe ] && exec "$0" mail --help' "$KENCHI" 2>&1); rc=$?
  if [[ $rc == 0 && "$out" == *"kenchi mail"* ]]; then ok cli_no_proc_uses_argv0
  else not_ok cli_no_proc_uses_argv0 "exit $rc: $(head -1 <<<"$out")"; fi
  out=$(PATH="$BIN:$PATH" unshare --mount --propagation private sh -c \
    'umount -l /proc && exec kenchi mail --help' 2>&1); rc=$?
  if [[ $rc == 1 && "$out" == *"run it by its path"* ]]; then ok cli_no_proc_bare_name_says_why
  else not_ok cli_no_proc_bare_name_says_why "exit $rc: $(head -1 <<<"$out")"; fi
fi

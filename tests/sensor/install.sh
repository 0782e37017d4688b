#!/usr/bin/env bash
# `make install` into a DESTDIR: the binary runs from there, man pages, the
# systemd unit (with its PREFIX substituted, hardening options present and,
# where systemd-analyze exists, no errors from `systemd-analyze verify`) and
# the example configuration, which the sensor's own parser accepts.
source "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
D="$TMP/dest"
if ! make -s -C "$ROOT" install DESTDIR="$D" PREFIX=/usr BUILD="${BUILD:-build}" >"$TMP/log" 2>&1; then
  not_ok sensor_make_install "$(tail -3 "$TMP/log")"; exit 0
fi
ok sensor_make_install
# both helper programs found from there (kenchi-network runs sensor,
# kenchi-mail runs mail)
"$D/usr/bin/kenchi" sensor --help >/dev/null 2>&1 && "$D/usr/bin/kenchi" mail --help >/dev/null 2>&1 &&
  ok sensor_installed_binary_runs ||
  not_ok sensor_installed_binary_runs "$D/usr/bin/kenchi sensor --help or mail --help failed"
# every page of man/ under its own name, in the section its suffix says
want_man=$(cd "$ROOT/man" && for m in *.[15]; do [[ -f $m ]] && echo "man${m##*.}/$m"; done | sort)
check sensor_install_man_pages "$(cd "$D/usr/share/man" 2>/dev/null && ls -d man[15]/* 2>/dev/null | sort)" \
  "${want_man:-(no man page in $ROOT/man)}"
U="$D/usr/lib/systemd/system/kenchi-sensor.service"
if [[ -f "$U" ]] && grep -q '^ExecStart=/usr/bin/kenchi sensor' "$U" &&
   grep -q '^ProtectSystem=strict' "$U" && grep -q '^NoNewPrivileges=yes' "$U" &&
   grep -q '^CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN$' "$U"; then
  ok sensor_install_unit
else
  not_ok sensor_install_unit "missing or without its hardening: $U"
fi
if command -v systemd-analyze >/dev/null; then
  # verify needs the ExecStart binary: point it at the installed one
  sed "s|/usr/bin/kenchi|$D/usr/bin/kenchi|" "$U" >"$TMP/kenchi-sensor.service"
  out=$(systemd-analyze verify "$TMP/kenchi-sensor.service" 2>&1 | grep -v -e 'Failed to .*bus' -e 'file:///' -e "Command 'man " || true)
  if [[ -z "$out" ]]; then ok sensor_unit_verifies; else not_ok sensor_unit_verifies "$(echo "$out" | head -3 | tr '\n' ' ')"; fi
else
  skip sensor_unit_verifies "systemd-analyze is missing"
fi
C="$D/etc/kenchi/sensor.conf.example"
# Parsing only: the replay file is missing, so a valid configuration ends
# in a runtime failure (1), an invalid one in a usage error (2).
"$KENCHI" sensor --config "$C" --db "$TMP/x.db" --replay "$TMP/none.pcap" >"$TMP/c.log" 2>&1
rc=$?
if [[ -f "$C" && $rc == 1 ]]; then ok sensor_example_config_parses
else not_ok sensor_example_config_parses "exit $rc: $(head -1 "$TMP/c.log")"; fi

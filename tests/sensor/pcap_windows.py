#!/usr/bin/env python3
"""Keeps the records of a nanosecond pcap whose timestamps fall inside any
of the given [first_ns, last_ns] windows (one "first|last" line each on
stdin, as sqlite3 prints them). usage: pcap_windows.py IN.pcap OUT.pcap
Prints the number of records kept. The oracle side of the sensor tests:
an independent tcpdump capture cut to the intervals the sensor committed."""
import struct
import sys

windows = sorted(tuple(int(x) for x in line.split("|")) for line in sys.stdin if line.strip())
data = open(sys.argv[1], "rb").read()
magic = struct.unpack("<I", data[:4])[0]
if magic == 0xA1B23C4D:
    end, scale = "<", 1
elif magic == 0xA1B2C3D4:
    end, scale = "<", 1000
else:
    sys.exit("unexpected pcap magic %#x" % magic)
out = [data[:24]]
off, kept = 24, 0
while off + 16 <= len(data):
    sec, frac, incl, _orig = struct.unpack(end + "IIII", data[off:off + 16])
    ts = sec * 1000000000 + frac * scale
    rec = data[off:off + 16 + incl]
    off += 16 + incl
    if any(a <= ts <= b for a, b in windows):
        out.append(rec)
        kept += 1
open(sys.argv[2], "wb").write(b"".join(out))
print(kept)

#!/usr/bin/env python3
"""Writes small pcap files for the analytics shell tests, independently of
kenchi's own code (so the tests' expected values come from this spec, not
from kenchi).

  mkpcap.py OUT.pcap < SPEC        one packet per SPEC line:
      EPOCH_SECONDS SRC DST KIND [key=value ...]
    KIND: tcp (dport= flags=S|SA|R|A|... seq= id= win= mss= opts=mss|mss,nop),
          udp (dport=), icmp (type=), icmp6 (type=), arp, trunc_ip
  mkpcap.py --random N --seed S --start EPOCH --out OUT.pcap [--split-hours DIR]
      N pseudo-random packets over one day from EPOCH: probes, Mirai SYNs,
      backscatter, wide-port scanners just above and below 100 ports, IPv6,
      non-sensor traffic; --split-hours also writes DIR/HH.pcap per hour.
  mkpcap.py --big N --start EPOCH --out OUT.pcap
      N TCP SYNs from 65536 sources, fast to write (for kill tests).
"""
import ipaddress
import random
import struct
import sys

ETH_V4 = b"\x00\x11\x22\x33\x44\x55" + b"\x66\x77\x88\x99\xaa\xbb" + b"\x08\x00"
ETH_V6 = ETH_V4[:12] + b"\x86\xdd"
ETH_ARP = ETH_V4[:12] + b"\x08\x06"


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


FLAGS = {"F": 1, "S": 2, "R": 4, "P": 8, "A": 16, "U": 32}


def tcp_header(sport, dport, seq, flags, win, opts):
    optbytes = b""
    for o in opts:
        if o.startswith("mss"):
            optbytes += struct.pack("!BBH", 2, 4, int(o[3:] or 1460))
        elif o == "nop":
            optbytes += b"\x01"
        elif o == "ws":
            optbytes += b"\x03\x03\x07"
    while len(optbytes) % 4:
        optbytes += b"\x00"
    doff = (20 + len(optbytes)) // 4
    fl = sum(FLAGS[c] for c in flags)
    return struct.pack("!HHIIBBHHH", sport, dport, seq, 0, doff << 4, fl, win, 0, 0) + optbytes


def ipv4(src, dst, proto, payload, ipid=1, ttl=64):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ipid, 0, ttl, proto, 0,
                      ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return ETH_V4 + hdr + payload


def ipv6(src, dst, nh, payload):
    hdr = struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, 64,
                      ipaddress.IPv6Address(src).packed, ipaddress.IPv6Address(dst).packed)
    return ETH_V6 + hdr + payload


def packet(src, dst, kind, kv):
    v6 = ":" in dst
    dport = int(kv.get("dport", 0))
    if kind == "tcp":
        opts = [o for o in kv.get("opts", "").split(",") if o]
        if "mss" in kv:
            opts = ["mss" + kv["mss"]] + opts
        t = tcp_header(int(kv.get("sport", 40000)), dport, int(kv.get("seq", 1000)),
                       kv.get("flags", "S"), int(kv.get("win", 29200)), opts)
        return ipv6(src, dst, 6, t) if v6 else ipv4(src, dst, 6, t, int(kv.get("id", 1)))
    if kind == "udp":
        u = struct.pack("!HHHH", int(kv.get("sport", 40000)), dport, 12, 0) + b"abcd"
        return ipv6(src, dst, 17, u) if v6 else ipv4(src, dst, 17, u, int(kv.get("id", 1)))
    if kind == "icmp":
        return ipv4(src, dst, 1, struct.pack("!BBHI", int(kv.get("type", 8)), 0, 0, 0))
    if kind == "icmp6":
        return ipv6(src, dst, 58, struct.pack("!BBHI", int(kv.get("type", 128)), 0, 0, 0))
    if kind == "arp":
        return ETH_ARP + b"\x00" * 28
    if kind == "trunc_ip":
        return ipv4(src, dst, 6, b"")[:14 + 12]  # IPv4 header cut at 12 bytes
    raise SystemExit("unknown kind " + kind)


class Writer:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))

    def add(self, ts, frame):
        sec, usec = int(ts), int(round((ts - int(ts)) * 1e6))
        if usec >= 1000000:
            sec, usec = sec + 1, usec - 1000000
        self.f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)

    def close(self):
        self.f.close()


def from_spec(out):
    w = Writer(out)
    for line in sys.stdin:
        line = line.split("#")[0].strip()
        if not line:
            continue
        f = line.split()
        kv = dict(x.split("=", 1) for x in f[4:])
        w.add(float(f[0]), packet(f[1], f[2], f[3], kv))
    w.close()


def random_day(n, seed, start, out, split_dir):
    rnd = random.Random(seed)
    pkts = []
    # wide-port scanners: 3 reach 100+ distinct ports (one at exactly 100,
    # spread over the whole day), 2 stop at 99; each repeats some ports.
    for i, nports in enumerate([100, 130, 250, 99, 99]):
        src = "198.51.100.%d" % (200 + i)
        ports = rnd.sample(range(1, 65536), nports)
        for k, port in enumerate(ports + ports[: nports // 3]):
            t = start + rnd.uniform(0, 86399)
            proto = "udp" if (k % nports) % 7 == 0 else "tcp"  # same pair when repeated
            pkts.append((t, src, "192.0.2.%d" % rnd.randrange(256), proto, {"dport": port}))
    while len(pkts) < n:
        t = start + rnd.uniform(0, 86399)
        r = rnd.random()
        src = "203.0.113.%d" % rnd.randrange(256) if r < 0.5 else "100.64.%d.%d" % (
            rnd.randrange(4), rnd.randrange(256))
        dst = "192.0.2.%d" % rnd.randrange(256)
        if r < 0.25:
            d = int(ipaddress.IPv4Address(dst))
            pkts.append((t, src, dst, "tcp", {"dport": rnd.choice([23, 2323, 37215, 5555]),
                                               "seq": d}))
        elif r < 0.40:
            pkts.append((t, src, dst, "tcp", {"dport": rnd.randrange(65536),
                                               "flags": rnd.choice(["SA", "R", "RA"])}))
        elif r < 0.55:
            pkts.append((t, src, dst, "tcp", {"dport": rnd.choice([22, 80, 443, 3389, 8080])}))
        elif r < 0.65:
            pkts.append((t, src, dst, "udp", {"dport": rnd.choice([53, 123, 1900, 5060])}))
        elif r < 0.72:
            pkts.append((t, src, dst, "icmp", {"type": rnd.choice([0, 3, 8, 11])}))
        elif r < 0.80:
            pkts.append((t, "2001:db8:ff::%x" % rnd.randrange(4096),
                         "2001:db8:0:1::%x" % rnd.randrange(65536), "tcp",
                         {"dport": rnd.choice([22, 80])}))
        elif r < 0.85:
            pkts.append((t, src, "198.18.0.%d" % rnd.randrange(256), "tcp", {"dport": 80}))
        elif r < 0.87:
            pkts.append((t, src, dst, "arp", {}))
        else:
            pkts.append((t, "100.64.9.%d" % rnd.randrange(64), dst, "tcp",
                         {"dport": rnd.randrange(20, 80)}))
    pkts.sort(key=lambda p: p[0])
    w = Writer(out)
    hours = {}
    for t, src, dst, kind, kv in pkts:
        frame = packet(src, dst, kind, {k: str(v) for k, v in kv.items()})
        w.add(t, frame)
        if split_dir:
            h = int((t - start) // 3600)
            if h not in hours:
                hours[h] = Writer("%s/%02d.pcap" % (split_dir, h))
            hours[h].add(t, frame)
    w.close()
    for hw in hours.values():
        hw.close()


def big(n, start, out):
    """n packets cycling over 1000 frames, with source addresses spread
    over 65536 values so the commit has many source records to merge."""
    rnd = random.Random(7)
    frames = []
    for i in range(1000):
        d = "192.0.2.%d" % (i % 256)
        frames.append(bytearray(packet("10.0.0.1", d, "tcp", {"dport": str(rnd.randrange(1, 2000)),
                                                               "seq": str(i)})))
    w = Writer(out)
    step = 80000.0 / n
    for k in range(n):
        f = frames[k % 1000]
        f[14 + 14] = (k >> 8) & 0xFF  # source 10.0.x.y
        f[14 + 15] = k & 0xFF
        w.add(start + k * step, bytes(f))
    w.close()


def main():
    a = sys.argv[1:]
    if a and a[0] == "--random":
        opts = dict(zip(a[0::2], a[1::2]))
        random_day(int(opts["--random"]), int(opts["--seed"]), float(opts["--start"]),
                   opts["--out"], opts.get("--split-hours"))
    elif a and a[0] == "--big":
        opts = dict(zip(a[0::2], a[1::2]))
        big(int(opts["--big"]), float(opts["--start"]), opts["--out"])
    elif len(a) == 1:
        from_spec(a[0])
    else:
        raise SystemExit(__doc__)


main()

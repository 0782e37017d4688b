# Writes tiny hand-made capture files as fuzz seeds (bytes built here).
import struct, gzip, subprocess, os, sys
out = sys.argv[1]
def pcap(be=False, ns=False, lt=1, recs=()):
    e = '>' if be else '<'
    h = struct.pack(e+'IHHiIII', 0xa1b23c4d if ns else 0xa1b2c3d4, 2, 4, 0, 0, 65535, lt)
    for ts, data in recs:
        h += struct.pack(e+'IIII', ts, 5, len(data), len(data)) + data
    return h
eth_ip4_tcp = bytes(12) + b'\x08\x00' + bytes.fromhex('4500002c0001000040060000c0000201c6336401') + bytes.fromhex('04d2005000000001000000006002200000000000020405b4')
eth_ip6_udp = bytes(12) + b'\x86\xdd' + bytes.fromhex('6000000000081140') + bytes(15)+b'\x01' + bytes.fromhex('20010db8') + bytes(11) + b'\x02' + bytes.fromhex('003500350008 0000'.replace(' ',''))
eth_vlan_arp = bytes(12) + b'\x81\x00\x00\x05\x08\x06' + bytes(28)
raw_icmp = bytes.fromhex('4500001c0001000040010000c0000201c6336401') + bytes.fromhex('0800f7ff00000000')
sll = bytes.fromhex('0000000100060000000000000000') + b'\x08\x00' + raw_icmp
files = {
 'le_us_eth.pcap': pcap(recs=[(1, eth_ip4_tcp), (2, eth_ip6_udp), (3, eth_vlan_arp), (4, eth_ip4_tcp[:20])]),
 'be_ns_eth.pcap': pcap(be=True, ns=True, recs=[(1, eth_ip4_tcp), (2, eth_ip6_udp)]),
 'raw.pcap': pcap(lt=101, recs=[(1, raw_icmp)]),
 'sll.pcap': pcap(lt=113, recs=[(1, sll)]),
 'truncated.pcap': pcap(recs=[(1, eth_ip4_tcp)])[:-7],
 'huge_caplen.pcap': pcap(recs=[(1, eth_ip4_tcp)]) + struct.pack('<IIII', 2, 0, 0x54000000, 0x54000000),
}
def blk(t, body, e='<'):
    return struct.pack(e+'II', t, 12+len(body)) + body + struct.pack(e+'I', 12+len(body))
def pad(b): return b + bytes((4 - len(b) % 4) % 4)
def shb(e='<'): return blk(0x0A0D0D0A, struct.pack(e+'IHHq', 0x1A2B3C4D, 1, 0, -1), e)
def idb(lt, tsresol=None, e='<'):
    opts = b''
    if tsresol is not None: opts = struct.pack(e+'HH', 9, 1) + bytes([tsresol, 0, 0, 0]) + struct.pack(e+'HH', 0, 0)
    return blk(1, struct.pack(e+'HHI', lt, 0, 0) + opts, e)
def epb(i, ts, data, e='<'):
    return blk(6, struct.pack(e+'IIIII', i, ts >> 32, ts & 0xffffffff, len(data), len(data)) + pad(data), e)
def spb(data, e='<'): return blk(3, struct.pack(e+'I', len(data)) + pad(data), e)
files['multi_iface.pcapng'] = shb() + idb(1) + idb(101, 9) + idb(0) + epb(0, 10, eth_ip4_tcp) + epb(1, 20, raw_icmp) + epb(2, 30, b'\x02\x00\x00\x00' + raw_icmp) + spb(eth_ip6_udp)
files['two_sections_be.pcapng'] = shb() + idb(1) + epb(0, 1, eth_vlan_arp) + shb('>') + idb(113, 0x8a, '>') + epb(0, 5000, sll, '>')
for name, data in files.items():
    open(os.path.join(out, name), 'wb').write(data)
open(os.path.join(out, 'multi_iface.pcapng.gz'), 'wb').write(gzip.compress(files['multi_iface.pcapng']))
z = subprocess.run(['zstd', '-c', '-q'], input=files['le_us_eth.pcap'], capture_output=True).stdout
open(os.path.join(out, 'le_us_eth.pcap.zst'), 'wb').write(z)

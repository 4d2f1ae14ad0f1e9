#!/usr/bin/env python3
"""Capture files for the record-exactness tests, written here, not by
pktscope (src/capture/capfile.c is under test) nor by libpcap (whose reader is one
of the peers): pcap and pcapng with every field set by hand.

  capgen.py times OUT.pcap --prec usec|nsec    time stamps at the edges
  capgen.py times-ng OUT.pcapng                 the same in pcapng units
  capgen.py far-ng OUT.pcapng                   times past 2106 (pcapng only)
  capgen.py lengths OUT.pcap                    cut, short, and 64 KiB+ frames
  capgen.py linktype NAME OUT.pcap              one link type's records
  capgen.py mixed-ng OUT.pcapng                 interfaces of several link
                                                types, directions, two sections
  capgen.py slowfifo FIFO N                     writes a pcap header, then N
                                                records a second (signals test)

Every generator is deterministic.  Each prints, one per line, what the
tests compare against where no peer says it: "name value".
"""
import struct
import sys
import time

ETH_IP, ETH_IP6, ETH_ARP, ETH_VLAN = 0x0800, 0x86DD, 0x0806, 0x8100
LINKTYPES = {
    "null": 0, "ethernet": 1, "raw": 101, "loop": 108, "sll": 113,
    "ipv4": 228, "ipv6": 229, "sll2": 276, "ieee802_11": 105,
}


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(payload, etype=ETH_IP, src=b"\x02\x00\x00\x00\x00\x01", dst=b"\x02\x00\x00\x00\x00\x02"):
    return dst + src + struct.pack("!H", etype) + payload


def ipv4(payload, proto, src="10.1.0.1", dst="10.1.0.2", ttl=64, ident=1):
    a = bytes(int(x) for x in src.split("."))
    b = bytes(int(x) for x in dst.split("."))
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, ttl, proto, 0, a, b)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ipv6(payload, nh, src=b"\xfd" + b"\0" * 14 + b"\x01", dst=b"\xfd" + b"\0" * 14 + b"\x02"):
    return struct.pack("!IHBB", 6 << 28, len(payload), nh, 64) + src + dst + payload


def tcp(sport, dport, flags=0x18, payload=b"", seq=1000, ack=0):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload


def udp(sport, dport, payload=b""):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def icmp_echo(ident=7, seq=1, payload=b"ping" * 8):
    h = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + payload
    return h[:2] + struct.pack("!H", csum(h)) + h[4:]


def ip_packets():
    """A few IP packets, each (name, l3 version, bytes)."""
    return [
        ("tcp80", 4, ipv4(tcp(40000, 80, 0x02), 6)),
        ("tcp443", 4, ipv4(tcp(40001, 443, 0x18, b"x" * 100), 6)),
        ("udp53", 4, ipv4(udp(5353, 53, b"q" * 30), 17)),
        ("icmp", 4, ipv4(icmp_echo(), 1)),
        ("udp6", 6, ipv6(udp(4000, 4001, b"v6" * 10), 17)),
        ("tcp6", 6, ipv6(tcp(40002, 22, 0x02), 6)),
    ]


# ------------------------------------------------------------ writers

def pcap_file(path, records, linktype=1, snaplen=262144, nsec=False, order="<"):
    """records: (sec, frac, data, orig_len) with any 32-bit values."""
    magic = 0xA1B23C4D if nsec else 0xA1B2C3D4
    with open(path, "wb") as f:
        f.write(struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype))
        for sec, frac, data, olen in records:
            f.write(struct.pack(order + "IIII", sec & 0xFFFFFFFF, frac & 0xFFFFFFFF, len(data), olen))
            f.write(data)


def ng_opt(code, val, order):
    pad = (4 - len(val) % 4) % 4
    return struct.pack(order + "HH", code, len(val)) + val + b"\0" * pad


def ng_block(btype, body, order):
    total = 12 + len(body)
    return struct.pack(order + "II", btype, total) + body + struct.pack(order + "I", total)


def ng_section(ifaces, packets, order="<"):
    """ifaces: dicts linktype, snaplen, tsresol (None: default), tsoffset,
    name; packets: ('epb', iface, ts64, data, orig_len, flags or None)
    | ('spb', data, orig_len) | ('opb', iface, ts64, data, orig_len)."""
    out = ng_block(0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1)
                   + ng_opt(4, b"capgen.py", order) + ng_opt(0, b"", order), order)
    for i in ifaces:
        opts = b""
        if i.get("name"):
            opts += ng_opt(2, i["name"].encode(), order)
        if i.get("tsresol") is not None:
            opts += ng_opt(9, bytes([i["tsresol"]]), order)
        if i.get("tsoffset"):
            opts += ng_opt(14, struct.pack(order + "q", i["tsoffset"]), order)
        opts += ng_opt(0, b"", order)
        out += ng_block(1, struct.pack(order + "HHI", i["linktype"], 0, i.get("snaplen", 262144)) + opts, order)
    for p in packets:
        if p[0] == "spb":
            _, data, olen = p
            pad = (4 - len(data) % 4) % 4
            out += ng_block(3, struct.pack(order + "I", olen) + data + b"\0" * pad, order)
            continue
        kind, iface, ts, data, olen = p[:5]
        pad = (4 - len(data) % 4) % 4
        opts = b""
        if kind == "epb":
            if p[5] is not None:
                opts = ng_opt(2, struct.pack(order + "I", p[5]), order) + ng_opt(0, b"", order)
            out += ng_block(6, struct.pack(order + "IIIII", iface, ts >> 32, ts & 0xFFFFFFFF, len(data), olen)
                            + data + b"\0" * pad + opts, order)
        else:  # obsolete packet block: 16-bit interface, 16-bit drops
            out += ng_block(2, struct.pack(order + "HHIIII", iface, 0, ts >> 32, ts & 0xFFFFFFFF, len(data), olen)
                            + data + b"\0" * pad, order)
    return out


# ------------------------------------------------------------ scenarios

EDGE_SECONDS = [0, 1, 1700000000, 2**31 - 1, 2**31, 2**31 + 1, 4000000000, 2**32 - 1]


def times(path, prec):
    nsec = prec == "nsec"
    fracs = [0, 1, 999999999 if nsec else 999999, 123456789 if nsec else 123456]
    recs = []
    n = 0
    for sec in EDGE_SECONDS:
        for frac in fracs:
            data = eth(ipv4(udp(1000 + n, 2000, b"t" * 10), 17))
            recs.append((sec, frac, data, len(data)))
            n += 1
    pcap_file(path, recs, nsec=nsec)
    print("records", len(recs))


def times_ng(path):
    """The same instants in pcapng: microsecond, nanosecond, millisecond
    and 2^-10 interfaces, one with an offset."""
    ifaces = [dict(linktype=1, tsresol=None, name="us"), dict(linktype=1, tsresol=9, name="ns"),
              dict(linktype=1, tsresol=3, name="ms"), dict(linktype=1, tsresol=0x80 | 10, name="b10"),
              dict(linktype=1, tsresol=6, tsoffset=1000, name="off")]
    units = [10**6, 10**9, 10**3, 1024, 10**6]
    pkts = []
    n = 0
    for sec in EDGE_SECONDS:
        for i, u in enumerate(units):
            s = sec - 1000 if i == 4 else sec
            if s < 0:
                continue
            data = eth(ipv4(udp(3000 + n, 2000, b"n" * 10), 17))
            pkts.append(("epb", i, s * u + u // 3, data, len(data), None))
            n += 1
    with open(path, "wb") as f:
        f.write(ng_section(ifaces, pkts))
    print("records", len(pkts))


def far_ng(path):
    ifaces = [dict(linktype=1, tsresol=9, name="ns")]
    pkts = []
    for i, sec in enumerate([2**32, 2**33 + 5, 10**10]):
        data = eth(ipv4(udp(5000 + i, 2000, b"f" * 10), 17))
        pkts.append(("epb", 0, sec * 10**9 + 7, data, len(data), None))
    with open(path, "wb") as f:
        f.write(ng_section(ifaces, pkts))
    print("records", len(pkts))


def big_tcp(n, sport=41000):
    """An Ethernet/IPv4/TCP frame of n bytes (IPv4 total length 0 past
    65535, as a BIG TCP packet's is: the parse says ipv4_bad_total_length)."""
    pay = b"B" * (n - 54)
    seg = tcp(sport, 8080, 0x10, pay)
    tot = 20 + len(seg)
    a = bytes([10, 1, 0, 1])
    b = bytes([10, 1, 0, 2])
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tot if tot < 65536 else 0, 9, 0x4000, 64, 6, 0, a, b)
    return eth(h + seg)


def lengths(path):
    """Cut records (caplen < len), short frames (0-13 bytes), and frames of
    64 KiB and more, each a record tcpdump reads."""
    recs = []
    t = 1700000000
    for i, (cap, wire) in enumerate([(64, 1514), (96, 9000), (14, 60), (1, 1514), (54, 70000)]):
        full = big_tcp(wire, 42000 + i)
        recs.append((t, i, full[:cap], wire))
    for n in [0, 1, 6, 12, 13]:
        data = (eth(b"")[:n]) if n else b""
        recs.append((t + 1, n, data, n))
    for n in [1514, 4096, 9000, 65535, 65536, 70000, 100000, 262144]:
        data = big_tcp(n, 43000 + n % 1000)
        recs.append((t + 2, n, data, n))
    # a record whose original length is shorter than what it holds
    data = eth(ipv4(udp(1, 2, b"z" * 50), 17))
    recs.append((t + 3, 0, data, 40))
    pcap_file(path, recs)
    print("records", len(recs))
    print("wire_bytes", sum(r[3] for r in recs))


def sll_hdr(pkttype, proto, v2=False, ifindex=3, arphrd=1):
    addr = b"\x02\x00\x00\x00\x00\x01"
    if v2:
        return struct.pack("!HHIHBB", proto, 0, ifindex, arphrd, pkttype, 6) + addr + b"\0\0"
    return struct.pack("!HHH", pkttype, arphrd, 6) + addr + b"\0\0" + struct.pack("!H", proto)


def linktype(name, path):
    lt = LINKTYPES[name]
    recs = []
    t = 1700000000
    for i, (pname, ver, pkt) in enumerate(ip_packets()):
        etype = ETH_IP if ver == 4 else ETH_IP6
        for j, pkttype in enumerate([0, 4, 1]):  # host, outgoing, broadcast
            if name == "sll":
                data = sll_hdr(pkttype, etype) + pkt
            elif name == "sll2":
                data = sll_hdr(pkttype, etype, v2=True) + pkt
            elif name in ("raw", "ipv4", "ipv6"):
                if (name == "ipv4" and ver != 4) or (name == "ipv6" and ver != 6):
                    continue
                data = pkt
            elif name == "null":
                af = 2 if ver == 4 else 24
                # host order of the writer: both orders occur
                data = struct.pack("<I" if j % 2 == 0 else ">I", af) + pkt
            elif name == "loop":
                data = struct.pack("!I", 2 if ver == 4 else 24) + pkt
            elif name == "ieee802_11":
                data = b"\x08\x02" + b"\0" * 22 + pkt
            else:
                data = eth(pkt, etype)
            recs.append((t + i, j, data, len(data)))
            if name in ("raw", "ipv4", "ipv6", "loop", "ieee802_11"):
                break
    if name in ("sll", "sll2"):
        # ARP, 802.2 LLC, a VLAN-tagged IPv4 packet, netlink, a header cut short
        arp = struct.pack("!HHBBH", 1, ETH_IP, 6, 4, 1) + b"\x02\0\0\0\0\x01" + bytes([10, 1, 0, 1]) + b"\0" * 6 + bytes([10, 1, 0, 2])
        v2 = name == "sll2"
        recs.append((t + 10, 0, sll_hdr(1, ETH_ARP, v2) + arp, 0))
        recs.append((t + 10, 1, sll_hdr(0, 0x0004, v2) + b"\x42\x42\x03" + b"\0" * 40, 0))
        recs.append((t + 10, 2, sll_hdr(0, ETH_VLAN, v2) + struct.pack("!HH", 100, ETH_IP) + ip_packets()[0][2], 0))
        recs.append((t + 10, 3, sll_hdr(4, 16, v2, arphrd=824) + b"\x14\0\0\0" + b"\0" * 16, 0))
        recs.append((t + 10, 4, sll_hdr(0, ETH_IP, v2)[:10], 0))
        recs = [(a, b, d, o or len(d)) for a, b, d, o in recs]
    pcap_file(path, recs, linktype=lt)
    print("records", len(recs))


def mixed_ng(path):
    """Two sections (the second big-endian): Ethernet (ns), SLL (default
    us) and RAW (ms) interfaces; EPBs inbound, outbound and without flags,
    a simple packet block and an obsolete packet block."""
    pk = ip_packets()
    s1 = ng_section(
        [dict(linktype=1, tsresol=9, name="eth0"), dict(linktype=113, name="any"),
         dict(linktype=101, tsresol=3, name="tun0")],
        [("epb", 0, 1700000000 * 10**9 + 1, eth(pk[0][2]), len(eth(pk[0][2])), 1),
         ("epb", 0, 1700000000 * 10**9 + 2, eth(pk[1][2]), len(eth(pk[1][2])), 2),
         ("epb", 1, 1700000001 * 10**6 + 3, sll_hdr(4, ETH_IP) + pk[2][2], 16 + len(pk[2][2]), None),
         ("epb", 1, 1700000001 * 10**6 + 4, sll_hdr(0, ETH_IP6) + pk[4][2], 16 + len(pk[4][2]), 1),
         ("epb", 2, 1700000002 * 10**3 + 5, pk[3][2], len(pk[3][2]), 2),
         ("epb", 2, 1700000002 * 10**3 + 6, pk[5][2][:30], len(pk[5][2]), None),
         ("opb", 0, 1700000003 * 10**9, eth(pk[3][2]), len(eth(pk[3][2])))])
    s2 = ng_section(
        [dict(linktype=1, tsresol=6, name="eth1")],
        [("epb", 0, 1700000004 * 10**6, eth(pk[5][2], ETH_IP6), len(eth(pk[5][2], ETH_IP6)), 2),
         ("spb", eth(pk[0][2]), len(eth(pk[0][2])))], order=">")
    with open(path, "wb") as f:
        f.write(s1 + s2)
    print("records", 9)


def slowfifo(path, n):
    """Writes a valid pcap header and then a record a second, n times, into
    a FIFO: a reader must stop on a signal while waiting for more."""
    with open(path, "wb", buffering=0) as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for i in range(n):
            data = eth(ipv4(udp(7000, 7001, b"s" * 10), 17))
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(data), len(data)) + data)
            time.sleep(1)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    cmd = argv[1]
    if cmd == "times":
        times(argv[2], argv[4] if len(argv) > 4 else "usec")
    elif cmd == "times-ng":
        times_ng(argv[2])
    elif cmd == "far-ng":
        far_ng(argv[2])
    elif cmd == "lengths":
        lengths(argv[2])
    elif cmd == "linktype":
        linktype(argv[2], argv[3])
    elif cmd == "mixed-ng":
        mixed_ng(argv[2])
    elif cmd == "slowfifo":
        slowfifo(argv[2], int(argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)

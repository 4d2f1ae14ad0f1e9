#!/usr/bin/env python3
"""Writes the fuzz harnesses' seed inputs into fuzz/corpus/<harness>/.

The seeds are committed; this says how they were made, and makes them again
(`python3 fuzz/seeds.py`).  Each is small and valid, so that the fuzzer
starts from inputs that reach deep into the code: files with every record
and block kind capread reads, writer scripts, flow records, argument lists,
expressions and classic programs.
"""
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(harness, name, data):
    d = os.path.join(ROOT, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- frames ----

def eth(dst=b"\x02\0\0\0\0\x02", src=b"\x02\0\0\0\0\x01", etype=0x0800):
    return dst + src + struct.pack(">H", etype)


def ipv4(proto, payload, src=b"\x0a\0\0\x01", dst=b"\x0a\0\0\x02", ttl=64):
    h = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, ttl, proto, 0, src, dst)
    return h + payload


def ipv6(nh, payload):
    return struct.pack(">IHBB", 6 << 28, len(payload), nh, 64) + b"\xfd" + b"\0" * 14 + b"\x01" \
        + b"\xfd" + b"\0" * 14 + b"\x02" + payload


def tcp(sport, dport, flags=0x02):
    return struct.pack(">HHIIBBHHH", sport, dport, 1, 0, 5 << 4, flags, 65535, 0, 0)


def udp(sport, dport, payload=b"hello"):
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


FRAMES = [
    eth() + ipv4(6, tcp(40000, 80)),
    eth() + ipv4(17, udp(5353, 53)),
    eth(etype=0x86dd) + ipv6(17, udp(1000, 2000)),
    eth(etype=0x8100) + struct.pack(">HH", 10, 0x0800) + ipv4(1, b"\x08\0\0\0\0\0\0\0"),
    eth(etype=0x0806) + bytes(28),
]


# ---- pcap ----

def pcap(recs, magic=0xa1b2c3d4, order="<", linktype=1, snaplen=262144, version=(2, 4),
         kuznetzov=False):
    out = struct.pack(order + "IHHiIII", magic, version[0], version[1], 0, 0, snaplen, linktype)
    for sec, frac, data, wire in recs:
        if version < (2, 3):  # those files hold the two lengths the other way round
            out += struct.pack(order + "IIII", sec, frac, wire, len(data))
        else:
            out += struct.pack(order + "IIII", sec, frac, len(data), wire)
        if kuznetzov:
            out += struct.pack(order + "IHBB", 2, 4, 0, 0)
        out += data
    return out


# ---- pcapng ----

def opt(order, code, val):
    pad = (4 - len(val) % 4) % 4
    return struct.pack(order + "HH", code, len(val)) + val + b"\0" * pad


def block(order, btype, body):
    total = 12 + len(body)
    return struct.pack(order + "II", btype, total) + body + struct.pack(order + "I", total)


def shb(order):
    return block(order, 0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1)
                 + opt(order, 4, b"seeds") + opt(order, 0, b""))


def idb(order, linktype=1, snaplen=0, name=None, tsresol=None, tsoffset=None):
    body = struct.pack(order + "HHI", linktype, 0, snaplen)
    if name is not None:
        body += opt(order, 2, name)
    if tsresol is not None:
        body += opt(order, 9, bytes([tsresol]))
    if tsoffset is not None:
        body += opt(order, 14, struct.pack(order + "q", tsoffset))
    return block(order, 1, body + opt(order, 0, b""))


def epb(order, iface, ts, data, wire=None, flags=None, comment=None):
    pad = (4 - len(data) % 4) % 4
    body = struct.pack(order + "IIIII", iface, ts >> 32, ts & 0xffffffff, len(data),
                       len(data) if wire is None else wire) + data + b"\0" * pad
    if flags is not None:
        body += opt(order, 2, struct.pack(order + "I", flags))
    if comment is not None:
        body += opt(order, 1, comment)
    return block(order, 6, body + opt(order, 0, b""))


def spb(order, data, wire=None):
    pad = (4 - len(data) % 4) % 4
    return block(order, 3, struct.pack(order + "I", len(data) if wire is None else wire)
                 + data + b"\0" * pad)


def opb(order, iface, ts, data):
    pad = (4 - len(data) % 4) % 4
    return block(order, 2, struct.pack(order + "HHIIII", iface, 0, ts >> 32, ts & 0xffffffff,
                                       len(data), len(data)) + data + b"\0" * pad)


def capread_seeds():
    t = 1700000000
    put("fuzz_capread", "pcap-usec-le", pcap([(t, 1, FRAMES[0], 60), (t, 999999, FRAMES[1][:20], 90)]))
    put("fuzz_capread", "pcap-nsec-be", pcap([(t, 5, FRAMES[2], len(FRAMES[2])),
                                              (0x80000000, 999999999, FRAMES[3], 200)],
                                             magic=0xa1b23c4d, order=">"))
    put("fuzz_capread", "pcap-raw", pcap([(t, 0, FRAMES[0][14:], 40), (t, 1, FRAMES[2][14:], 90)],
                                         linktype=101))
    sll = struct.pack(">HHH8sH", 4, 1, 6, b"\x02\0\0\0\0\x01\0\0", 0x0800) + FRAMES[0][14:]
    put("fuzz_capread", "pcap-sll-snap64", pcap([(t, 0, sll[:64], len(sll))], linktype=113,
                                                snaplen=64))
    sll2 = struct.pack(">HHIHBB8s", 0x86dd, 0, 2, 1, 0, 6, b"\x02\0\0\0\0\x01\0\0") + FRAMES[2][14:]
    put("fuzz_capread", "pcap-sll2", pcap([(t, 0, sll2, len(sll2))], linktype=276))
    put("fuzz_capread", "pcap-null-loop", pcap([(t, 0, struct.pack("<I", 2) + FRAMES[0][14:], 44)],
                                               linktype=0))
    put("fuzz_capread", "pcap-kuznetzov", pcap([(t, 0, FRAMES[1], 60)], magic=0xa1b2cd34,
                                               kuznetzov=True))
    put("fuzz_capread", "pcap-v22-swapped-lengths", pcap([(t, 0, FRAMES[0], 60)], version=(2, 2)))
    ng = (shb("<") + idb("<", 1, 0, b"eth0", 9, 1000) + epb("<", 0, t * 10**9, FRAMES[0], flags=1)
          + idb("<", 1, 0, b"eth1", 0x86) + epb("<", 1, t << 6, FRAMES[1], 100, flags=2,
                                                  comment=b"hook tc")
          + spb("<", FRAMES[2]) + opb("<", 1, t * 64, FRAMES[3])
          + block("<", 5, struct.pack("<III", 0, 0, 0))
          + shb(">") + idb(">", 113, 0, b"any") + epb(">", 0, t * 10**6, sll))
    put("fuzz_capread", "pcapng-two-sections", ng)
    put("fuzz_capread", "pcapng-raw-tsresol0", shb("<") + idb("<", 101, 65535, None, 0)
        + epb("<", 0, t, FRAMES[0][14:]))


# ---- the other harnesses' seeds are added with them ----

if __name__ == "__main__":
    capread_seeds()

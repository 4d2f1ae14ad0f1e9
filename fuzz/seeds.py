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
    # Records longer than a TC test run takes (a page) and than a linear XDP
    # frame (multi-buffer): the replay probes its limits and runs them cut.
    big = eth() + ipv4(17, udp(9, 9, bytes(range(256)) * 18))
    put("fuzz_capread", "pcap-big-records", pcap([(t, 0, big[:4000], 4000), (t, 1, big, len(big)),
                                                   (t, 2, big[:100], 9000)]))
    put("fuzz_capread", "pcapng-raw-tsresol0", shb("<") + idb("<", 101, 65535, None, 0)
        + epb("<", 0, t, FRAMES[0][14:]))


# ---- scripts: every byte sequence is one; the first byte picks the options ----

def prng_bytes(seed, n):
    """Deterministic filler: the seeds are the same on every run."""
    x = seed * 2654435761 + 1
    out = bytearray()
    for _ in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) & (2**64 - 1)
        out.append(x >> 56)
    return bytes(out)


def capfile_seeds():
    # bit 0 pcapng, 1 usec, 2 on disk (direct I/O), 3 no direct I/O, 4 -C, 5 file size
    # limit, 6 link type set
    named = {
        "pcap": 0x00, "pcapng": 0x01, "pcap-usec": 0x02, "pcap-disk-dio": 0x04,
        "pcapng-disk": 0x05, "pcap-disk-nodio": 0x0c, "pcapng-rotate": 0x11,
        "pcap-disk-rotate": 0x14, "pcap-disk-fsize": 0x24, "pcapng-fsize": 0x21,
        "pcap-shm-fsize-rotate": 0x30, "pcap-linktype": 0x40,
    }
    for i, (name, flags) in enumerate(sorted(named.items())):
        put("fuzz_capfile", name, bytes([flags]) + prng_bytes(i, 400))


def cli_seeds():
    # first byte: 0 stats, 1 flows, 2 watch, 3 capture, 4 the number parsers
    seeds = {
        "stats": (0, ["-i", "eth0", "--interval", "0.5", "-c", "3", "--json"]),
        "stats-file": (0, ["-r", "f.pcap", "--hook", "tc"]),
        "flows": (1, ["-r", "f.pcap", "--by", "hostpair", "--top", "10", "--sort", "rate",
                      "tcp", "port", "80"]),
        "flows-live": (1, ["-i", "lo", "--idle-timeout", "5", "--active-timeout", "0",
                           "--ipfix", "127.0.0.1:4739", "--max-flows", "1024"]),
        "watch": (2, ["-i", "lo", "-n", "--sample", "10", "-B", "64", "-vv", "udp"]),
        "capture": (3, ["-i", "lo", "-w", "out.pcap", "--pcapng", "-C", "1", "-s", "96",
                        "--hook", "socket"]),
        "capture-help": (3, ["--help"]),
        "capture-missing": (3, ["-r", "in.pcap", "-w"]),
    }
    for name, (which, args) in seeds.items():
        put("fuzz_cli", name, bytes([which]) + b"\0".join(a.encode() for a in args))
    put("fuzz_cli", "numbers", bytes([4]) + struct.pack("<qq", 1, 1 << 40)
        + b"\0".join([b"5", b" 7", b"1e3", b"0x1p3", b"-2", b"99999999999999999999"]))


def ipfix_seeds():
    # domain (4 bytes), Message size choice, refresh bounds, collector family, then
    # the script: mostly records, some flushes
    for i, (size_sel, fam) in enumerate([(0, 0), (1, 1), (2, 0), (3, 1), (1, 0)]):
        head = struct.pack("<I", 0xdeadbeef + i) + bytes([size_sel, i * 40, 200, 100, 7, fam])
        put("fuzz_ipfix", "script-%d" % i, head + prng_bytes(100 + i, 600 + 300 * i))


def filter_seeds():
    # fuzz_filter_cbpf: options (hooks), the program, the frames: any bytes
    for i in range(6):
        put("fuzz_filter_cbpf", "program-%d" % i, bytes([0]) + prng_bytes(200 + i, 700 + 250 * i))
    # fuzz_filter_expr: bit 0 of the first byte: the text up to a NUL is the expression
    exprs = ["tcp port 80", "udp and (port 53 or portrange 33434-33534)", "vlan and udp",
             "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn", "ip6 and ip6[6] = 17",
             "not (tcp or udp or icmp or arp)", "ip[2:2] > len - 14",
             "tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420", "ip6 protochain 6",
             "src net 10.0.0.0/8 and not icmp", "mpls and ip", "ether multicast or len < 64"]
    for i, e in enumerate(exprs):
        put("fuzz_filter_expr", "text-%02d" % i, bytes([1]) + e.encode() + b"\0"
            + prng_bytes(300 + i, 120))
    for i in range(6):
        put("fuzz_filter_expr", "grammar-%d" % i, bytes([0]) + prng_bytes(400 + i, 500))


def replay_seeds():
    # first byte: bits 0-3 the expression (fuzz_replay.c's list), bit 4 TC; then the file
    src = os.path.join(ROOT, "fuzz_capread")
    for i, name in enumerate(sorted(os.listdir(src))):
        if name.startswith("regress-"):
            continue
        with open(os.path.join(src, name), "rb") as f:
            body = f.read()
        put("fuzz_replay", name, bytes([(i % 10) | (0x10 if i % 2 else 0)]) + body)
    # "len > 100" (expression 5) on records cut short: the length is the wire's
    t = 1700000000
    big = eth() + ipv4(17, udp(9, 9, bytes(range(256))))
    put("fuzz_replay", "len-of-cut-records", bytes([5]) + pcap([(t, 0, big[:80], 200),
                                                             (t, 1, big[:100], 100)]))


if __name__ == "__main__":
    capread_seeds()
    capfile_seeds()
    cli_seeds()
    ipfix_seeds()
    filter_seeds()
    replay_seeds()

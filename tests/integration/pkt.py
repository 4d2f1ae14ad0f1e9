#!/usr/bin/env python3
"""Packet helpers for the integration tests.

- a set of crafted frames, each written down with the counters it must move
  (by the rules in include/pktscope/abi.h, stated here by hand: this is the
  test's own expectation, not a second parser);
- a pcap writer for them (tcpreplay sends them, pktscope -r reads them);
- 'expect': the complete counter object a hook must report for a mix of
  crafted frames, plain UDP/ICMP traffic and TCP packets listed by tshark;
- 'compare': expected vs what pktscope reported, one verdict per counter;
- plain socket traffic: UDP send/receive, a TCP exchange.

Only the standard library: it runs on a bare Debian python3.
"""
import json
import os
import re
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ABI = os.path.join(HERE, "..", "..", "include", "pktscope", "abi.h")

DST_MAC = "02:00:00:00:00:99"  # nobody's: receivers drop these before IP
V4_SRC, V4_DST = "198.51.100.1", "198.51.100.2"
V6_SRC, V6_DST = "2001:db8::1", "2001:db8::2"


def counter_keys():
    """'<group>.<name>' of every counter but the total, in ABI order."""
    with open(ABI) as f:
        text = f.read()
    out = []
    for cid, group, name in re.findall(r'X\(\s*(\w+),\s*"(\w+)",\s*"(\w+)"', text):
        if cid != "TOTAL":
            out.append(group + "." + name)
    return out


# ---------------------------------------------------------------- builders

def mac(s):
    return bytes.fromhex(s.replace(":", ""))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(src, etype, payload, tags=(), dst=DST_MAC):
    """tags: (tpid, vid) pairs, outermost first."""
    hdr = mac(dst) + mac(src)
    for tpid, vid in tags:  # TPID, TCI; the next TPID or the EtherType follows
        hdr += struct.pack("!HH", tpid, vid)
    return hdr + struct.pack("!H", etype) + payload


def ipv4(proto, payload, ttl=64, opts=b"", frag=0, tot=None, version=4,
         ihl=None, src=V4_SRC, dst=V4_DST):
    hl = 20 + len(opts)
    ihl_field = ihl if ihl is not None else hl // 4
    total = tot if tot is not None else hl + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl_field, 0, total,
                      0x1234, frag, ttl, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst)) + opts
    c = csum(hdr)
    hdr = hdr[:10] + struct.pack("!H", c) + hdr[12:]
    return hdr + payload


def ipv6(nh, payload, hlim=64, plen=None, version=6, src=V6_SRC, dst=V6_DST):
    pl = plen if plen is not None else len(payload)
    return struct.pack("!IHBB16s16s", version << 28, pl, nh, hlim,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + payload


def ext8(nh, hdrlen_units=0):
    """A hop-by-hop/destination-options header padded with PadN."""
    size = (hdrlen_units + 1) * 8
    padn = bytes([1, size - 4]) + bytes(size - 4)
    return bytes([nh, hdrlen_units]) + padn


def frag6(nh, offset8, more):
    return struct.pack("!BBHI", nh, 0, (offset8 << 3) | (1 if more else 0), 0xABCD)


def udp(payload, sport=1000, dport=2000, length=None):
    ln = length if length is not None else 8 + len(payload)
    return struct.pack("!HHHH", sport, dport, ln, 0) + payload


def tcp(flags, doff=5, sport=1000, dport=2000, payload=b""):
    opts = bytes(max(0, doff - 5) * 4)
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, (doff & 0xF) << 4,
                       flags, 65535, 0, 0) + opts + payload


def icmp_echo(data=b"pktscope"):
    return struct.pack("!BBHHH", 8, 0, 0, 1, 1) + data


def icmp6_echo(data=b"pktscope"):
    return struct.pack("!BBHHH", 128, 0, 0, 1, 1) + data


def arp_req(src):
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac(src) + \
        socket.inet_aton(V4_SRC) + bytes(6) + socket.inet_aton(V4_DST)


# ----------------------------------------------------------- crafted set

OK = "outcome.ok"
V4, V6 = "l2.ipv4", "l2.ipv6"


def crafted(src):
    """[(name, frame bytes, counters, ttl or None)].

    'ttl' is the TTL/hop limit of a frame whose IP header is valid: the
    expectation adds ip.ttl_low when it is below the threshold in use.
    """
    P = b"0123456789abcdefghij"  # 20 bytes of payload
    f = []

    def add(name, frame, ctrs, ttl=None):
        f.append((name, frame, ctrs, ttl))

    # L2 classes and VLAN tags
    add("vlan-8021q udp", eth(src, 0x0800, ipv4(17, udp(P)), tags=[(0x8100, 100)]),
        [OK, V4, "l2.vlan_8021q", "l4.udp"], 64)
    add("qinq 8021ad+8021q udp",
        eth(src, 0x0800, ipv4(17, udp(P)), tags=[(0x88A8, 200), (0x8100, 100)]),
        [OK, V4, "l2.vlan_8021ad", "l2.vlan_8021q", "l4.udp"], 64)
    add("vlan 0x9100 icmp", eth(src, 0x0800, ipv4(1, icmp_echo()), tags=[(0x9100, 300)]),
        [OK, V4, "l2.vlan_8021ad", "l4.icmp"], 64)
    add("three vlan tags",
        eth(src, 0x0800, ipv4(17, udp(P)), tags=[(0x88A8, 1), (0x8100, 2), (0x8100, 3)]),
        ["malformed.vlan_too_deep"])
    add("arp request", eth(src, 0x0806, arp_req(src)), [OK, "l2.arp"])
    add("ethertype 0x88b5", eth(src, 0x88B5, bytes(46)), [OK, "l2.other"])
    add("802.3 llc", eth(src, 0x0026, b"\xf0\xf0\x03" + bytes(35)), [OK, "l2.other"])
    # IPv6: extension headers, ICMPv6, fragments
    add("ipv6 hbh+dstopt udp",
        eth(src, 0x86DD, ipv6(0, ext8(60) + ext8(17) + udp(P))),
        [OK, V6, "l4.udp", "ip.ipv6_ext_headers"], 64)
    add("ipv6 icmpv6 echo", eth(src, 0x86DD, ipv6(58, icmp6_echo())),
        [OK, V6, "l4.icmpv6"], 64)
    add("ipv6 first fragment",
        eth(src, 0x86DD, ipv6(44, frag6(17, 0, True) + udp(bytes(16), length=1008))),
        [OK, V6, "l4.udp", "frag.ipv6_first", "ip.ipv6_ext_headers"], 64)
    add("ipv6 later fragment",
        eth(src, 0x86DD, ipv6(44, frag6(17, 125, False) + bytes(24))),
        [OK, V6, "l4.fragment", "frag.ipv6_nonfirst", "ip.ipv6_ext_headers"], 64)
    add("ipv6 hop limit 1 udp", eth(src, 0x86DD, ipv6(17, udp(P), hlim=1)),
        [OK, V6, "l4.udp"], 1)
    # IPv4 fragments, options, TTL, protocols
    add("ipv4 first fragment",
        eth(src, 0x0800, ipv4(17, udp(bytes(16), length=1008), frag=0x2000)),
        [OK, V4, "l4.udp", "frag.ipv4_first"], 64)
    add("ipv4 later fragment", eth(src, 0x0800, ipv4(17, bytes(32), frag=185)),
        [OK, V4, "l4.fragment", "frag.ipv4_nonfirst"], 64)
    add("ipv4 options udp", eth(src, 0x0800, ipv4(17, udp(P), opts=b"\x01\x01\x01\x00")),
        [OK, V4, "l4.udp", "ip.ipv4_options"], 64)
    add("ipv4 ttl 4 udp", eth(src, 0x0800, ipv4(17, udp(P), ttl=4)), [OK, V4, "l4.udp"], 4)
    add("ipv4 ttl 5 udp", eth(src, 0x0800, ipv4(17, udp(P), ttl=5)), [OK, V4, "l4.udp"], 5)
    add("ipv4 gre", eth(src, 0x0800, ipv4(47, bytes(12))), [OK, V4, "l4.other"], 64)
    add("ipv4 udp with ethernet padding",
        eth(src, 0x0800, ipv4(17, udp(b"x")) + bytes(17)), [OK, V4, "l4.udp"], 64)
    # TCP flag classes
    T = [OK, V4, "l4.tcp"]
    add("tcp syn", eth(src, 0x0800, ipv4(6, tcp(0x02))), T + ["tcp_flags.syn"], 64)
    add("tcp syn+ack", eth(src, 0x0800, ipv4(6, tcp(0x12))), T + ["tcp_flags.synack"], 64)
    add("tcp fin+ack", eth(src, 0x0800, ipv4(6, tcp(0x11))), T + ["tcp_flags.fin"], 64)
    add("tcp rst", eth(src, 0x0800, ipv4(6, tcp(0x04))), T + ["tcp_flags.rst"], 64)
    add("tcp rst+ack", eth(src, 0x0800, ipv4(6, tcp(0x14))), T + ["tcp_flags.rst"], 64)
    add("tcp null", eth(src, 0x0800, ipv4(6, tcp(0x00))), T + ["tcp_flags.null"], 64)
    add("tcp syn+fin", eth(src, 0x0800, ipv4(6, tcp(0x03))),
        T + ["tcp_flags.syn", "tcp_flags.fin", "tcp_flags.synfin"], 64)
    add("tcp xmas", eth(src, 0x0800, ipv4(6, tcp(0x29))),
        T + ["tcp_flags.fin", "tcp_flags.xmas"], 64)
    add("tcp ack with options", eth(src, 0x0800, ipv4(6, tcp(0x10, doff=8, payload=P))), T, 64)
    add("ipv6 tcp syn", eth(src, 0x86DD, ipv6(6, tcp(0x02))),
        [OK, V6, "l4.tcp", "tcp_flags.syn"], 64)
    # malformed: the L2 class stays, L4 class once the IP header is valid
    add("ipv4 version 5", eth(src, 0x0800, ipv4(17, udp(P), version=5)),
        ["malformed.ipv4_bad_version", V4])
    add("ipv4 ihl 4", eth(src, 0x0800, ipv4(17, udp(P), ihl=4)),
        ["malformed.ipv4_bad_ihl", V4])
    add("ipv4 short", eth(src, 0x0800, ipv4(17, b"")[:10]), ["malformed.ipv4_short", V4])
    add("ipv4 total length beyond frame", eth(src, 0x0800, ipv4(17, udp(P), tot=200)),
        ["malformed.ipv4_bad_total_length", V4])
    add("tcp short", eth(src, 0x0800, ipv4(6, tcp(0x02)[:10])),
        ["malformed.tcp_short", V4, "l4.tcp"], 64)
    add("tcp doff 4", eth(src, 0x0800, ipv4(6, tcp(0x02, doff=4))),
        ["malformed.tcp_bad_doff", V4, "l4.tcp"], 64)
    add("udp length beyond datagram", eth(src, 0x0800, ipv4(17, udp(P, length=200))),
        ["malformed.udp_bad_length", V4, "l4.udp"], 64)
    add("icmp short", eth(src, 0x0800, ipv4(1, b"\x08\x00\x00\x00")),
        ["malformed.icmp_short", V4, "l4.icmp"], 64)
    add("ipv6 payload length beyond frame", eth(src, 0x86DD, ipv6(17, udp(P), plen=400)),
        ["malformed.ipv6_bad_payload_length", V6])
    add("ipv6 nine extension headers",
        eth(src, 0x86DD, ipv6(60, b"".join(ext8(60) for _ in range(8)) + ext8(17) + udp(P))),
        ["malformed.ipv6_ext_too_many", V6])
    return f


def write_pcap(path, frames):
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        t = 1700000000
        for i, fr in enumerate(frames):
            out.write(struct.pack("<IIII", t, i * 1000, len(fr), len(fr)))
            out.write(fr)


# ----------------------------------------------------------- expectations

def empty():
    return {"packets": 0, "bytes": 0,
            "counters": {k: {"packets": 0, "bytes": 0} for k in counter_keys()}}


def add_pkt(exp, length, ctrs, ttl, thr):
    exp["packets"] += 1
    exp["bytes"] += length
    ctrs = list(ctrs)
    if ttl is not None and ttl < thr:
        ctrs.append("ip.ttl_low")
    for c in ctrs:
        if c not in exp["counters"]:
            raise SystemExit("pkt.py: unknown counter %s (abi.h changed?)" % c)
        exp["counters"][c]["packets"] += 1
        exp["counters"][c]["bytes"] += length


def tcp_flag_ctrs(f):
    out = []
    if f & 0x12 == 0x02:
        out.append("tcp_flags.syn")
    if f & 0x12 == 0x12:
        out.append("tcp_flags.synack")
    if f & 0x01:
        out.append("tcp_flags.fin")
    if f & 0x04:
        out.append("tcp_flags.rst")
    if f == 0:
        out.append("tcp_flags.null")
    if f & 0x03 == 0x03:
        out.append("tcp_flags.synfin")
    if f & 0x29 == 0x29:
        out.append("tcp_flags.xmas")
    return out


def cmd_expect(args):
    """expect THRESHOLD COMPONENT...

    crafted            the crafted set once
    crafted-minus:NAME the crafted set without the frame called NAME
    udp4:N:PAYLOAD     N IPv4 UDP datagrams (TTL 64)
    icmp4:N:FRAMELEN   N IPv4 ICMP packets (TTL 64)
    icmp4vlan:N:LEN    the same inside one 802.1Q tag
    tcp4lines:FILE     IPv4 TCP packets, one per line: "framelen flags ttl"
                       (flags as tshark prints tcp.flags, e.g. 0x0012)
    """
    thr = int(args[0])
    exp = empty()
    for comp in args[1:]:
        kind, _, rest = comp.partition(":")
        if kind in ("crafted", "crafted-minus"):
            for name, fr, ctrs, ttl in crafted("02:00:00:00:00:01"):
                if kind == "crafted-minus" and name == rest:
                    continue
                add_pkt(exp, len(fr), ctrs, ttl, thr)
        elif kind in ("udp4", "icmp4", "icmp4vlan"):
            n, size = (int(x) for x in rest.split(":"))
            if kind == "udp4":
                ln, ctrs = 42 + size, [OK, V4, "l4.udp"]
            elif kind == "icmp4":
                ln, ctrs = size, [OK, V4, "l4.icmp"]
            else:
                ln, ctrs = size, [OK, V4, "l4.icmp", "l2.vlan_8021q"]
            for _ in range(n):
                add_pkt(exp, ln, ctrs, 64, thr)
        elif kind == "tcp4lines":
            with open(rest) as f:
                for line in f:
                    parts = line.split()
                    if not parts:
                        continue
                    ln, flags, ttl = int(parts[0]), int(parts[1], 16), int(parts[2])
                    add_pkt(exp, ln, [OK, V4, "l4.tcp"] + tcp_flag_ctrs(flags), ttl, thr)
        else:
            raise SystemExit("pkt.py expect: unknown component " + comp)
    json.dump(exp, sys.stdout)
    print()


def cmd_compare(args):
    """compare EXPECTED.json GOT_HOOK.json: one line per verdict,
    "ok|bad<TAB>what<TAB>expected<TAB>got"."""
    with open(args[0]) as f:
        exp = json.load(f)
    with open(args[1]) as f:
        text = f.read().strip()
    try:
        got = json.loads(text) if text else None
    except ValueError:
        got = None
    if not isinstance(got, dict):
        print("bad\thook object present\ta JSON object\t%r" % text[:200])
        return

    def pb(o):
        if not isinstance(o, dict):
            return repr(o)
        return "%s pkts/%s bytes" % (o.get("packets"), o.get("bytes"))

    def verdict(what, e, g):
        good = isinstance(g, dict) and g.get("packets") == e["packets"] and \
            g.get("bytes") == e["bytes"]
        print("%s\t%s\t%s\t%s" % ("ok" if good else "bad", what, pb(e), pb(g)))

    verdict("total", exp, got)
    gc = got.get("counters")
    if not isinstance(gc, dict):
        print("bad\tcounters object\tan object\t%r" % (gc,))
        return
    keys = set(exp["counters"])
    missing, extra = sorted(keys - set(gc)), sorted(set(gc) - keys)
    print("%s\tcounter keys are exactly abi.h's\t%d keys\tmissing %s extra %s" %
          ("ok" if not missing and not extra else "bad", len(keys), missing, extra))
    for k in counter_keys():
        if exp["counters"][k]["packets"]:
            verdict(k, exp["counters"][k], gc.get(k))
    stray = []
    for k in counter_keys():
        if exp["counters"][k]["packets"] == 0 and k in gc and gc[k] != {"packets": 0, "bytes": 0}:
            stray.append("%s=%s" % (k, pb(gc[k])))
    print("%s\tevery other counter is zero\tnone\t%s" %
          ("bad" if stray else "ok", ", ".join(stray) if stray else "none"))


# ----------------------------------------------------------- socket traffic

def ready(path):
    with open(path + ".tmp", "w") as f:
        f.write("ready\n")
    os.rename(path + ".tmp", path)


def cmd_udp_recv(args):
    ip, port, count, timeout, readyf = args[0], int(args[1]), int(args[2]), float(args[3]), args[4]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ip, port))
    ready(readyf)
    deadline = time.monotonic() + timeout
    n = 0
    while n < count:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            s.recv(65536)
        except socket.timeout:
            break
        n += 1
    print(n)


def cmd_udp_send(args):
    ip, port, count, size = args[0], int(args[1]), int(args[2]), int(args[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(count):
        s.sendto(bytes([65 + i % 26]) * size, (ip, port))
        time.sleep(0.002)
    print(count)


def cmd_tcp_server(args):
    ip, port, readyf, reply = args[0], int(args[1]), args[2], int(args[3])
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((ip, port))
    ls.listen(1)
    ls.settimeout(15)
    ready(readyf)
    c, _ = ls.accept()
    ls.close()
    c.settimeout(15)
    got = 0
    while True:
        b = c.recv(65536)
        if not b:
            break
        got += len(b)
    c.sendall(b"r" * reply)
    c.close()
    print(got)


def cmd_tcp_client(args):
    ip, port, size = args[0], int(args[1]), int(args[2])
    c = socket.create_connection((ip, port), timeout=15)
    c.sendall(b"q" * size)
    c.shutdown(socket.SHUT_WR)
    got = 0
    while True:
        b = c.recv(65536)
        if not b:
            break
        got += len(b)
    c.close()
    print(got)


def cmd_pcap(args):
    """pcap OUT SRC_MAC: the crafted set; prints the frame count."""
    frames = [fr for _, fr, _, _ in crafted(args[1])]
    write_pcap(args[0], frames)
    print(len(frames))


def cmd_list(args):
    for name, fr, ctrs, ttl in crafted("02:00:00:00:00:01"):
        print("%-36s %4d  %s ttl=%s" % (name, len(fr), " ".join(ctrs), ttl))


def cmd_keys(args):
    print("\n".join(counter_keys()))


CMDS = {
    "pcap": cmd_pcap, "expect": cmd_expect, "compare": cmd_compare,
    "udp-recv": cmd_udp_recv, "udp-send": cmd_udp_send,
    "tcp-server": cmd_tcp_server, "tcp-client": cmd_tcp_client,
    "list": cmd_list, "keys": cmd_keys,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in CMDS:
        sys.exit("usage: pkt.py {%s} ..." % ",".join(CMDS))
    CMDS[sys.argv[1]](sys.argv[2:])

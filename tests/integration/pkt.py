#!/usr/bin/env python3
"""Packet helpers for the integration tests.

- 'expect': the complete counter object a hook must report for a mix of
  crafted frames (the manifest build/tools/mkpcap --expect writes for them:
  the table in tests/tools/pkt_cases.c is their one source), plain UDP/ICMP
  traffic and TCP packets listed by tshark;
- 'compare': expected vs what pktscope reported, one verdict per counter;
- plain socket traffic: UDP send/receive, a TCP exchange (IPv4 or IPv6).

Only the standard library: it runs on a bare Debian python3.
"""
import json
import os
import re
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ABI = os.path.join(HERE, "..", "..", "include", "pktscope", "abi.h")


def counter_keys():
    """'<group>.<name>' of every counter but the total, in ABI order."""
    with open(ABI) as f:
        text = f.read()
    out = []
    for cid, group, name in re.findall(r'X\(\s*(\w+),\s*"(\w+)",\s*"(\w+)"', text):
        if cid != "TOTAL":
            out.append(group + "." + name)
    return out


# ----------------------------------------------------------- expectations

OK = "outcome.ok"
V4 = "l2.ipv4"


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


def add_manifest(exp, path, thr):
    """Adds what mkpcap --expect wrote for the frames of one pcap."""
    with open(path) as f:
        man = json.load(f)
    if set(man["counters"]) != set(exp["counters"]):
        raise SystemExit("pkt.py: %s does not have abi.h's counter keys (stale build?)" % path)
    if man.get("ttl_threshold") != thr:
        raise SystemExit("pkt.py: %s is for --ttl-threshold %s, not %d" %
                         (path, man.get("ttl_threshold"), thr))
    exp["packets"] += man["packets"]
    exp["bytes"] += man["bytes"]
    for k, v in man["counters"].items():
        exp["counters"][k]["packets"] += v["packets"]
        exp["counters"][k]["bytes"] += v["bytes"]


def cmd_expect(args):
    """expect THRESHOLD COMPONENT...

    manifest:FILE      the crafted frames of a pcap written by mkpcap, as its
                       --expect FILE has them (written for THRESHOLD)
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
        if kind == "manifest":
            add_manifest(exp, rest, thr)
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
    "ok|bad<TAB>what<TAB>expected<TAB>got"; exit status 1 when one is bad."""
    lines = []
    compare_hook(args[0], args[1], lines.append)
    print("\n".join(lines))
    return 1 if any(l.startswith("bad") for l in lines) else 0


def compare_hook(exp_path, got_path, say):
    with open(exp_path) as f:
        exp = json.load(f)
    with open(got_path) as f:
        text = f.read().strip()
    try:
        got = json.loads(text) if text else None
    except ValueError:
        got = None
    if not isinstance(got, dict):
        say("bad\thook object present\ta JSON object\t%r" % text[:200])
        return

    def pb(o):
        if not isinstance(o, dict):
            return repr(o)
        return "%s pkts/%s bytes" % (o.get("packets"), o.get("bytes"))

    def verdict(what, e, g):
        good = isinstance(g, dict) and g.get("packets") == e["packets"] and \
            g.get("bytes") == e["bytes"]
        say("%s\t%s\t%s\t%s" % ("ok" if good else "bad", what, pb(e), pb(g)))

    verdict("total", exp, got)
    gc = got.get("counters")
    if not isinstance(gc, dict):
        say("bad\tcounters object\tan object\t%r" % (gc,))
        return
    keys = set(exp["counters"])
    missing, extra = sorted(keys - set(gc)), sorted(set(gc) - keys)
    say("%s\tcounter keys are exactly abi.h's\t%d keys\tmissing %s extra %s" %
        ("ok" if not missing and not extra else "bad", len(keys), missing, extra))
    for k in counter_keys():
        if exp["counters"][k]["packets"]:
            verdict(k, exp["counters"][k], gc.get(k))
    stray = []
    for k in counter_keys():
        if exp["counters"][k]["packets"] == 0 and k in gc and gc[k] != {"packets": 0, "bytes": 0}:
            stray.append("%s=%s" % (k, pb(gc[k])))
    say("%s\tevery other counter is zero\tnone\t%s" %
        ("bad" if stray else "ok", ", ".join(stray) if stray else "none"))


# ----------------------------------------------------------- socket traffic

def family(ip):
    return socket.AF_INET6 if ":" in ip else socket.AF_INET


def ready(path):
    with open(path + ".tmp", "w") as f:
        f.write("ready\n")
    os.rename(path + ".tmp", path)


def cmd_udp_recv(args):
    ip, port, count, timeout, readyf = args[0], int(args[1]), int(args[2]), float(args[3]), args[4]
    s = socket.socket(family(ip), socket.SOCK_DGRAM)
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
    s = socket.socket(family(ip), socket.SOCK_DGRAM)
    for i in range(count):
        s.sendto(bytes([65 + i % 26]) * size, (ip, port))
        time.sleep(0.002)
    print(count)


def cmd_tcp_server(args):
    ip, port, readyf, reply = args[0], int(args[1]), args[2], int(args[3])
    ls = socket.socket(family(ip), socket.SOCK_STREAM)
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


def cmd_keys(args):
    print("\n".join(counter_keys()))


CMDS = {
    "expect": cmd_expect, "compare": cmd_compare,
    "udp-recv": cmd_udp_recv, "udp-send": cmd_udp_send,
    "tcp-server": cmd_tcp_server, "tcp-client": cmd_tcp_client,
    "keys": cmd_keys,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in CMDS:
        sys.exit("usage: pkt.py {%s} ..." % ",".join(CMDS))
    sys.exit(CMDS[sys.argv[1]](sys.argv[2:]) or 0)

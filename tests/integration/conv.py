#!/usr/bin/env python3
"""Flow records against tshark, the real peer.

tshark reads the same capture twice: its conversation tables (-z conv,tcp,
conv,udp, conv,ipv4, conv,ipv6), and one line of fields per frame, from
which the exact per-conversation, per-direction counts are summed.  Either
is compared with conversations from elsewhere:

  selftest                 which conversation-table column is A->B, and
                           tshark's rule for printing byte counts, both
                           established on small pcaps this script writes
  expect PCAP EXPECT.json  the generator's truth (build/tools/mkflows
                           --expect) against tshark: they must agree exactly
  compare PCAP FLOWS.json [--by 5tuple|hostpair] [--live]
                           `pktscope flows -r PCAP --json` records, summed
                           per conversation and direction, against tshark;
                           handshake RTTs against tcp.analysis.initial_rtt
  as-records EXPECT.json   the truth written as flow records, one per
                           conversation (what a correct pktscope prints
                           without timeouts): the test plants errors in it
                           to see that each comparison catches them
  records PCAP FLOWS.json --idle S --active S
                           how records split conversations: only at an
                           active or idle timeout, at a TCP end, or at the
                           end of the file, and never more often
  endpoints PCAP SRC.json DST.json --idle S
                           `--by src` and `--by dst` records against
                           tshark -z endpoints,ipv4 / endpoints,ipv6 (per
                           host, Tx and Rx) and against the frames of the
                           conversations each host started or was sent

Output: one line per verdict, "ok<TAB>what" or
"bad<TAB>what<TAB>expected<TAB>got" (lib.sh's tap_compare reads it).  Exit
status 1 when any verdict is bad, 2 on bad usage or unreadable input.

Bytes in tshark's tables are printed with units and cut ("507 bytes",
"144 kB"): pktscope's exact numbers are printed the same way (format_size
below) and compared as strings; the exact numbers come from the per-frame
fields.  Conversations are matched by their unordered endpoints, directions
by address and port.  Only the standard library.
"""
import argparse
import ipaddress
import json
import os
import struct
import subprocess
import sys
import tempfile
from decimal import Decimal

MAX_BAD = 25  # mismatch lines printed per check, then a count of the rest

ECHO = {4: {8, 0}, 6: {128, 129}}
FLAG_LETTERS = "FSRPAUEC"  # TCP flag bits 0..7
PROTO_NAMES = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6"}


class Usage(Exception):
    pass


# ------------------------------------------------------------------ output

class Verdicts:
    def __init__(self):
        self.bad = 0

    def ok(self, what):
        print("ok\t%s" % what)

    def fail(self, what, exp, got):
        self.bad += 1
        print("bad\t%s\t%s\t%s" % (what, exp, got))

    def check(self, what, exp, got):
        if exp == got:
            self.ok(what)
        else:
            self.fail(what, exp, got)

    def many(self, what, problems, total):
        """One ok line, or one bad line per problem (at most MAX_BAD).
        problems: (what, expected, got)"""
        if not problems:
            self.ok("%s (%d checked)" % (what, total))
            return
        for p in problems[:MAX_BAD]:
            self.fail("%s: %s" % (what, p[0]), p[1], p[2])
        if len(problems) > MAX_BAD:
            self.fail("%s: %d more mismatches not shown" % (what, len(problems) - MAX_BAD),
                      "none", "%d of %d" % (len(problems), total))


# ------------------------------------------------------------------ tshark

def tshark(args):
    env = dict(os.environ, LC_ALL="C", LANG="C")  # no thousands separators
    p = subprocess.run(["tshark", "-n"] + args, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    if p.returncode != 0:
        err = [l for l in p.stderr.splitlines() if "could be dangerous" not in l]
        raise Usage("tshark %s failed (exit %d): %s" % (" ".join(args), p.returncode,
                                                         " / ".join(err)[:500]))
    return p.stdout


def format_size(n):
    """tshark 4.0's format_size(n, FORMAT_SIZE_UNIT_BYTES, FORMAT_SIZE_PREFIX_SI)
    (wsutil/str_util.c): integer division by 1000 until the value is below
    10 of the next unit; the unit is "bytes" unprefixed, else "kB", "MB"..."""
    for div, unit in ((10 ** 12, "TB"), (10 ** 9, "GB"), (10 ** 6, "MB"), (10 ** 3, "kB")):
        if n // div >= 10:
            return "%d %s" % (n // div, unit)
    return "%d bytes" % n


def ns_of(text):
    """'1795255200.500757026' (or '0.003555091') -> integer nanoseconds."""
    whole, _, frac = text.partition(".")
    return int(whole) * 10 ** 9 + int((frac + "000000000")[:9])


def norm_addr(a):
    return ipaddress.ip_address(a).compressed


def split_ep(text, with_port):
    if not with_port:
        return (norm_addr(text), None)
    addr, _, port = text.rpartition(":")
    return (norm_addr(addr), int(port))


TABLES = {"conv,tcp": "TCP", "conv,udp": "UDP", "conv,ipv4": "IPv4", "conv,ipv6": "IPv6"}


def conv_tables(pcap, which):
    """{table: [row]} with row = {A, B, cols: [(frames, bytes_text) x3],
    start_rel_ns}.  cols[0] and cols[1] are tshark's '<-' and '->'."""
    args = ["-r", pcap, "-q"]
    for t in which:
        args += ["-z", t]
    out = tshark(args)
    tables, cur = {}, None
    names = {v + " Conversations": k for k, v in TABLES.items()}
    for line in out.splitlines():
        if line.strip() in names:
            cur = names[line.strip()]
            tables[cur] = []
            continue
        if cur is None or "<->" not in line:
            continue
        left, _, right = line.partition("<->")
        tok = right.split()
        # B, then three (frames, number, unit) groups, start, duration
        if len(tok) != 12:
            raise Usage("unexpected %s row: %r" % (cur, line))
        with_port = cur in ("conv,tcp", "conv,udp")
        cols = [(int(tok[1 + 3 * i]), tok[2 + 3 * i] + " " + tok[3 + 3 * i]) for i in range(3)]
        tables[cur].append({"A": split_ep(left.strip(), with_port),
                            "B": split_ep(tok[0], with_port),
                            "cols": cols, "start_rel_ns": ns_of(tok[10])})
    for t in which:
        if t not in tables:
            raise Usage("tshark printed no %s table" % t)
    return tables


FIELDS = ["frame.number", "frame.time_epoch", "frame.len", "frame.protocols", "ip.src", "ip.dst",
          "ip.proto", "ipv6.src", "ipv6.dst", "ipv6.nxt", "tcp.srcport", "tcp.dstport",
          "udp.srcport", "udp.dstport", "icmp.type", "icmp.code", "icmpv6.type",
          "icmpv6.code", "tcp.flags", "tcp.stream", "tcp.analysis.initial_rtt"]


class Frame:
    __slots__ = ("num", "ns", "len", "ipver", "proto", "src", "dst", "sport", "dport",
                 "icmp", "flags", "stream", "irtt")


def frames_of(pcap):
    """Every frame as tshark dissects it; for an ICMP error, the outer
    headers (the quoted ones inside are not a packet of their own)."""
    out = tshark(["-r", pcap, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"] +
                 sum([["-e", f] for f in FIELDS], []))
    frames = []
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        f = Frame()
        f.num = int(v["frame.number"])
        f.ns = ns_of(v["frame.time_epoch"])
        f.len = int(v["frame.len"])
        f.ipver = f.proto = f.src = f.dst = f.sport = f.dport = f.icmp = f.stream = f.irtt = None
        f.flags = 0
        layers = v["frame.protocols"].split(":")
        if v["ip.src"]:
            f.ipver, f.src, f.dst, f.proto = 4, v["ip.src"], v["ip.dst"], int(v["ip.proto"])
        elif v["ipv6.src"]:
            f.ipver, f.src, f.dst = 6, v["ipv6.src"], v["ipv6.dst"]
            f.proto = int(v["ipv6.nxt"])
        if f.ipver:
            f.src, f.dst = norm_addr(f.src), norm_addr(f.dst)
            # the transport layer is the first one after the (outer) IP header
            l4 = [l for l in layers if l in ("tcp", "udp", "icmp", "icmpv6")]
            l4 = l4[0] if l4 else None
            if l4 == "tcp":
                f.proto = 6
                f.sport, f.dport = int(v["tcp.srcport"]), int(v["tcp.dstport"])
                f.flags = int(v["tcp.flags"], 16) & 0xff
                f.stream = int(v["tcp.stream"])
                if v["tcp.analysis.initial_rtt"]:
                    f.irtt = ns_of(v["tcp.analysis.initial_rtt"])
            elif l4 == "udp":
                f.proto = 17
                f.sport, f.dport = int(v["udp.srcport"]), int(v["udp.dstport"])
            elif l4 == "icmp":
                f.proto = 1
                f.icmp = (int(v["icmp.type"]), int(v["icmp.code"]))
            elif l4 == "icmpv6":
                f.proto = 58
                f.icmp = (int(v["icmpv6.type"]), int(v["icmpv6.code"]))
        frames.append(f)
    if not frames:
        raise Usage("tshark read no frame from %s" % pcap)
    return frames


# ------------------------------------------------------------ conversations

def icmp_kind(ipver, t):
    return "echo" if t[0] in ECHO[ipver] else t


def frame_key(f, by):
    """(key, endpoint of the sender) as pktscope groups, or None."""
    if f.ipver is None:
        return None
    if by == "hostpair":
        return (f.ipver, frozenset((f.src, f.dst))), (f.src, None)
    if f.proto in (6, 17):
        s, d = (f.src, f.sport), (f.dst, f.dport)
        return (f.ipver, f.proto, frozenset((s, d))), s
    if f.proto in (1, 58) and f.icmp:
        return (f.ipver, f.proto, frozenset((f.src, f.dst)), icmp_kind(f.ipver, f.icmp)), \
            (f.src, None)
    return (f.ipver, f.proto, frozenset((f.src, f.dst))), (f.src, None)


def key_eps(key):
    return next(k for k in key if isinstance(k, frozenset))


def key_text(key):
    txt = " <-> ".join(ep_text(e) for e in sorted(key_eps(key), key=str))
    if len(key) == 2:
        return "IPv%d %s" % (key[0], txt)
    name = PROTO_NAMES.get(key[1], "proto %d" % key[1])
    extra = ""
    if len(key) == 4:
        extra = " (%s)" % ("echo" if key[3] == "echo" else
                           "no ICMP type" if key[3] is None else "type %d code %d" % key[3])
    return "%s %s%s" % (name, txt, extra)


def ep_text(e):
    if isinstance(e, str):
        return e
    addr, port = e
    if port is None:
        return addr
    return ("[%s]:%d" if ":" in addr else "%s:%d") % (addr, port)


def canon(key):
    """The endpoints of a key, (addr, port or None), in a fixed order:
    index 0 is 'lo', and direction 0 is lo -> hi."""
    eps = sorted(key_eps(key), key=str)
    if len(eps) == 1:  # a host talking to itself
        eps = eps * 2
    return [e if isinstance(e, tuple) else (e, None) for e in eps]


def new_side():
    return {"packets": 0, "bytes": 0, "first": None, "last": None, "flags": 0, "icmp": set()}


def add_to_side(s, n, b, first, last, flags=0, icmp=None):
    s["packets"] += n
    s["bytes"] += b
    if n:
        s["first"] = first if s["first"] is None else min(s["first"], first)
        s["last"] = last if s["last"] is None else max(s["last"], last)
    s["flags"] |= flags
    if icmp is not None:
        s["icmp"].add(icmp)


def truth_from_frames(frames, by):
    """{key: [side lo->hi, side hi->lo]} and the not-flow frames."""
    convs, notflow = {}, [0, 0]
    for f in frames:
        k = frame_key(f, by)
        if k is None:
            notflow[0] += 1
            notflow[1] += f.len
            continue
        key, sender = k
        sides = convs.setdefault(key, [new_side(), new_side()])
        lo = canon(key)[0]
        d = 0 if sender == lo else 1
        add_to_side(sides[d], 1, f.len, f.ns, f.ns, f.flags, f.icmp)
    return convs, notflow


class Unit:
    """One conversation as someone else reports it: a pktscope record, or a
    conversation of the generator's truth."""
    __slots__ = ("key", "a", "b", "ab", "ba", "rtt", "record", "end", "raw", "start", "end_ns")


def flags_of(text):
    """The issue's letters (F S R P A U E C); '.' is tcpdump's ACK, which
    pktscope prints (test_flows_offline.sh checks the notation apart)."""
    v = 0
    for ch in text or "":
        i = 4 if ch == "." else FLAG_LETTERS.find(ch.upper())
        if i < 0:
            raise Usage("unknown TCP flag letter %r in %r" % (ch, text))
        v |= 1 << i
    return v


def flag_text(v):
    return "".join(FLAG_LETTERS[i] for i in range(8) if v >> i & 1) or "-"


def unit_of(o, by, rtt_field):
    """A record of pktscope's --json (or an expect conversation)."""
    u = Unit()
    ipver = o["ip_version"]
    proto = o.get("proto")
    a = (norm_addr(o["a"]["addr"]), o["a"].get("port"))
    b = (norm_addr(o["b"]["addr"]), o["b"].get("port"))
    ab, ba = o.get("a_to_b") or {}, o.get("b_to_a") or {}
    if by == "hostpair":
        a, b = (a[0], None), (b[0], None)
        u.key = (ipver, frozenset((a[0], b[0])))
    elif proto in (6, 17):
        u.key = (ipver, proto, frozenset((a, b)))
    elif proto in (1, 58):
        a, b = (a[0], None), (b[0], None)
        types = [(s["icmp_type"], s.get("icmp_code", 0)) for s in (ab, ba)
                 if s.get("packets") and s.get("icmp_type") is not None]
        kind = icmp_kind(ipver, types[0]) if types else None
        u.key = (ipver, proto, frozenset((a[0], b[0])), kind)
    else:
        a, b = (a[0], None), (b[0], None)
        u.key = (ipver, proto, frozenset((a[0], b[0])))
    u.a, u.b = a, b
    u.ab, u.ba = ab, ba
    u.raw = o
    u.record = o.get("record", o.get("instance"))
    u.end = o.get("end_reason", o.get("ends"))
    u.rtt = o.get(rtt_field)
    firsts = [s["first_ns"] for s in (ab, ba) if s.get("packets")]
    lasts = [s["last_ns"] for s in (ab, ba) if s.get("packets")]
    u.start = min(firsts) if firsts else None
    u.end_ns = max(lasts) if lasts else None
    return u


def unit_sides(u):
    """[side lo->hi, side hi->lo] of a unit."""
    lo = canon(u.key)[0]
    sides = [new_side(), new_side()]
    forward = u.a == lo
    for s, d in ((u.ab, 0 if forward else 1), (u.ba, 1 if forward else 0)):
        n = s.get("packets", 0)
        icmp = (s["icmp_type"], s.get("icmp_code", 0)) if s.get("icmp_type") is not None and n else None
        add_to_side(sides[d], n, s.get("bytes", 0), s.get("first_ns"), s.get("last_ns"),
                    flags_of(s.get("tcp_flags")), icmp)
    return sides


def dir_text(key, d):
    lo, hi = canon(key)
    return "%s -> %s" % (ep_text(lo if d == 0 else hi), ep_text(hi if d == 0 else lo))


def read_records(path):
    """pktscope's --json: flow records and the summary."""
    recs, summaries = [], []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                o = json.loads(line, parse_float=Decimal)
            except ValueError as e:
                raise Usage("%s line %d is not JSON (%s): %s" % (path, n, e, line[:200]))
            if o.get("type") == "flow":
                recs.append(o)
            elif o.get("type") == "summary":
                summaries.append(o)
            else:
                raise Usage("%s line %d: neither a flow record nor a summary: %s" %
                            (path, n, line[:200]))
    return recs, summaries


# --------------------------------------------------------------- comparing

def compare_exact(v, label, units, frames, by, check_times=True):
    """Summed per conversation and direction: packets, bytes, first and last
    packet time, TCP flags and ICMP type/code, against tshark's frames."""
    truth, _ = truth_from_frames(frames, by)
    got = {}
    for u in units:
        sides = got.setdefault(u.key, [new_side(), new_side()])
        for d, s in enumerate(unit_sides(u)):
            add_to_side(sides[d], s["packets"], s["bytes"], s["first"], s["last"], s["flags"])
            sides[d]["icmp"] |= s["icmp"]
    missing = [(key_text(k), "%d packets" % sum(s["packets"] for s in truth[k]), "no record")
               for k in sorted(set(truth) - set(got), key=key_text)]
    extra = [(key_text(k), "no such conversation in tshark",
              "%d packets" % sum(s["packets"] for s in got[k]))
             for k in sorted(set(got) - set(truth), key=key_text)]
    v.many("%s: every conversation tshark sees is reported, and no other" % label,
           missing + extra, len(truth))
    counts, times, flags, icmps = [], [], [], []
    for k in sorted(set(truth) & set(got), key=key_text):
        for d in (0, 1):
            t, g = truth[k][d], got[k][d]
            what = "%s, %s" % (key_text(k), dir_text(k, d))
            if (t["packets"], t["bytes"]) != (g["packets"], g["bytes"]):
                counts.append((what, "%d packets %d bytes" % (t["packets"], t["bytes"]),
                               "%d packets %d bytes" % (g["packets"], g["bytes"])))
            if check_times and (t["first"], t["last"]) != (g["first"], g["last"]):
                times.append((what + " first/last ns", "%s %s" % (t["first"], t["last"]),
                              "%s %s" % (g["first"], g["last"])))
            if k[1:2] == (6,) and len(k) == 3 and t["flags"] != g["flags"]:
                flags.append((what + " TCP flags", flag_text(t["flags"]), flag_text(g["flags"])))
            if len(k) == 4 and t["icmp"] != g["icmp"]:
                icmps.append((what + " ICMP type/code", sorted(t["icmp"]), sorted(g["icmp"])))
    n = 2 * len(set(truth) & set(got))
    v.many("%s: exact packets and bytes per conversation and direction (tshark frame.len)" % label,
           counts, n)
    if check_times:
        v.many("%s: first and last packet time per direction, to the ns (frame.time_epoch)" % label,
               times, n)
    if by != "hostpair":
        v.many("%s: TCP flags OR-ed per direction (tcp.flags)" % label, flags,
               sum(2 for k in truth if len(k) == 3 and k[1] == 6))
        v.many("%s: ICMP type and code per direction" % label, icmps,
               sum(2 for k in truth if len(k) == 4))


def compare_tables(v, label, units, pcap, frames, by, a_col):
    """tshark's own tables, each row against the units it covers, compared
    as tshark prints them."""
    which = ["conv,ipv4", "conv,ipv6"] if by == "hostpair" else ["conv,tcp", "conv,udp"]
    tables = conv_tables(pcap, which)
    file_first = frames[0].ns
    for t in which:
        rows_by_key = {}
        for r in tables[t]:
            if by == "hostpair":
                key = (4 if t == "conv,ipv4" else 6, frozenset((r["A"][0], r["B"][0])))
            else:
                ipver = 6 if ":" in r["A"][0] else 4
                key = (ipver, 6 if t == "conv,tcp" else 17, frozenset((r["A"], r["B"])))
            rows_by_key.setdefault(key, []).append(r)
        mine = {}
        for u in units:
            if by == "hostpair":
                ours = u.key[0] == (4 if t == "conv,ipv4" else 6)
            else:
                ours = len(u.key) == 3 and u.key[1] == (6 if t == "conv,tcp" else 17)
            if ours:
                mine.setdefault(u.key, []).append(u)
        problems, n = [], 0
        for key in sorted(set(rows_by_key) | set(mine), key=key_text):
            rows = sorted(rows_by_key.get(key, []), key=lambda r: r["start_rel_ns"])
            us = mine.get(key, [])
            if not rows:
                problems.append((key_text(key), "no %s row" % t, "%d record(s)" % len(us)))
                continue
            # A 5-tuple reused after a close is a new tshark row (a new TCP
            # stream): each unit goes to the last row that began before it.
            per_row = [[] for _ in rows]
            for u in us:
                i = 0
                for j, r in enumerate(rows):
                    if u.start is not None and file_first + r["start_rel_ns"] <= u.start:
                        i = j
                per_row[i].append(u)
            for r, rus in zip(rows, per_row):
                n += 1
                lo = canon(key)[0]
                sums = [new_side(), new_side()]
                for u in rus:
                    for d, s in enumerate(unit_sides(u)):
                        add_to_side(sums[d], s["packets"], s["bytes"], s["first"], s["last"])
                a_is_lo = r["A"] == lo
                ab = r["cols"][a_col]
                ba = r["cols"][1 - a_col]
                want = [ab, ba] if a_is_lo else [ba, ab]
                for d in (0, 1):
                    g = (sums[d]["packets"], format_size(sums[d]["bytes"]))
                    if g != want[d]:
                        problems.append(("%s (row from +%s s), %s" % (
                            key_text(key), fmt_rel(r["start_rel_ns"]), dir_text(key, d)),
                            "%d frames, %s" % want[d], "%d frames, %s (%d bytes) in %d record(s)" % (
                                g[0], g[1], sums[d]["bytes"], len(rus))))
        v.many("%s: tshark -z %s, per row and direction: frames and bytes as tshark prints them"
               % (label, t), problems, n)


def fmt_rel(ns):
    return "%d.%09d" % divmod(ns, 10 ** 9)


def stream_info(frames):
    """Per TCP stream: key, first and last frame time, the SYN's sender (or
    the first sender), and the handshake's RTT: tshark's initial_rtt (ns)
    when the handshake completed (SYN, SYN-ACK, then an ACK from the SYN's
    sender), else None.  tshark also gives an initial_rtt to a refused
    connection (SYN, then RST-ACK: the time to the RST-ACK); no handshake
    completed there, and by pktscope's definition (SYN to the ACK of the
    SYN-ACK) it has no RTT."""
    streams = {}
    for f in frames:
        if f.stream is None:
            continue
        key, sender = frame_key(f, "5tuple")
        s = streams.setdefault(f.stream, {"key": key, "first": f.ns, "starter": sender,
                                          "syn": None, "synack": False, "done": False,
                                          "tshark_irtt": None, "last": f.ns})
        s["last"] = f.ns
        syn, ack = f.flags & 0x02, f.flags & 0x10
        if syn and not ack and s["syn"] is None:
            s["syn"] = sender
        elif syn and ack and s["syn"] is not None and sender != s["syn"]:
            s["synack"] = True
        elif ack and not syn and s["synack"] and sender == s["syn"]:
            s["done"] = True
        if f.irtt is not None and s["tshark_irtt"] is None:
            s["tshark_irtt"] = f.irtt
    for s in streams.values():
        s["irtt"] = s["tshark_irtt"] if s["done"] else None
    return streams


def close_enough(exact, printed, unit_ns):
    """A decimal pktscope printed (in units of unit_ns nanoseconds) against
    an exact count of nanoseconds: equal to the digits printed (half a unit
    of the last one), or to the nanosecond when it printed more digits (a
    double's %.17g noise)."""
    if printed is None or isinstance(printed, bool):
        return False
    got = Decimal(str(printed))
    e = got.as_tuple().exponent
    tol = max(Decimal(1).scaleb(e) / 2 if e < 0 else Decimal(0), Decimal(1) / (2 * unit_ns))
    return abs(Decimal(exact) / unit_ns - got) <= tol


def compare_rtt(v, label, units, frames, unit_is_ns, live=False):
    """live: pktscope's clock is not the capture's, so a conversation's
    record is found by its key alone and an RTT must only be there (or not)."""
    streams = stream_info(frames)
    by_key = {}
    for u in units:
        if u.key[1:2] == (6,):
            by_key.setdefault(u.key, []).append(u)
    problems, n_rtt, n_none = [], 0, 0
    for sid in sorted(streams):
        s = streams[sid]
        us = [u for u in by_key.get(s["key"], [])
              if u.start is not None and s["first"] <= u.start <= s["last"]]
        # the unit that holds the stream's first packet
        first = [u for u in us if u.start == s["first"]]
        if live:
            first = sorted([u for u in by_key.get(s["key"], []) if u.record in (1, None)],
                           key=lambda u: u.start)
        what = "%s, tcp.stream %d" % (key_text(s["key"]), sid)
        if not first:
            problems.append((what, "a record beginning at the stream's first packet (%d)" % s["first"],
                             "records beginning at %s" % sorted(u.start for u in us)))
            continue
        u = first[0]
        if s["irtt"] is None:
            n_none += 1
            if u.rtt not in (None, 0):
                problems.append((what + " (no completed handshake)", "no RTT", "rtt %s" % u.rtt))
            continue
        n_rtt += 1
        if live:
            if u.rtt in (None, 0):
                problems.append((what, "an RTT (tshark: initial_rtt %s s)" % fmt_rel(s["irtt"]), "none"))
            continue
        if unit_is_ns:
            ok = u.rtt == s["irtt"]
        else:
            ok = close_enough(s["irtt"], u.rtt, 1000)
        if not ok:
            problems.append((what, "initial_rtt %s s (%s us)" % (fmt_rel(s["irtt"]),
                                                                Decimal(s["irtt"]) / 1000),
                             "%s %s" % ("rtt_ns" if unit_is_ns else "rtt_us", u.rtt)))
    v.many("%s: handshake RTT = tcp.analysis.initial_rtt per TCP stream (%d with a handshake, "
           "%d without: no RTT)" % (label, n_rtt, n_none), problems, len(streams))


def starters(v, label, units, frames, every_unit=False, live=False):
    """'a' sent the SYN, else the first packet: checked on each
    conversation's first record, and kept by the records after it."""
    streams = stream_info(frames)
    stream_start = {}
    for s in streams.values():
        stream_start[(s["key"], s["first"])] = s["syn"] or s["starter"]
    by_key = {}
    for f in frames:
        k = frame_key(f, "5tuple")
        if k:
            by_key.setdefault(k[0], []).append((f.ns, k[1]))
    problems, n = [], 0
    prev = {}
    for u in sorted((u for u in units if u.start is not None), key=lambda u: u.start):
        before, prev[u.key] = prev.get(u.key), u
        if not every_unit and u.record not in (1, None):
            n += 1
            if before is not None and before.a != u.a:
                problems.append(("%s, record %s from %d" % (key_text(u.key), u.record, u.start),
                                 "a = %s, as in the record before" % ep_text(before.a),
                                 "a = %s" % ep_text(u.a)))
            continue
        n += 1
        want = stream_start.get((u.key, u.start))
        if live:  # the first stream or packet of the key
            firsts = sorted((s["first"], s["syn"] or s["starter"]) for s in streams.values()
                            if s["key"] == u.key)
            want = firsts[0][1] if firsts else None
        if want is None:
            pk = [s for t, s in by_key.get(u.key, []) if t == u.start or live]
            want = pk[0] if pk else None
        got = u.a if u.a[1] is not None else (u.a[0], None)
        if want is None:
            problems.append((key_text(u.key), "a packet at the record's first_ns %d" % u.start,
                             "none in tshark"))
        elif want != got:
            problems.append(("%s, record from %d" % (key_text(u.key), u.start),
                             "a = %s" % ep_text(want), "a = %s" % ep_text(got)))
    empty = [(key_text(u.key), "packets in the record", "an empty record")
             for u in units if u.start is None]
    v.many("%s: 'a' is the SYN's sender, else the first packet's (first record of each "
           "conversation; the records after it keep it)" % label, empty + problems, n)


# ------------------------------------------------------------- subcommands

def write_pcap(path, frames, nano=True):
    """frames: [(ts_ns, bytes)] -> a pcap (nanosecond) file."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b23c4d if nano else 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for ts, data in frames:
            sec, sub = divmod(ts, 10 ** 9)
            f.write(struct.pack("<IIII", sec, sub if nano else sub // 1000, len(data), len(data)))
            f.write(data)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def udp_frame(src, dst, sport, dport, frame_len):
    """An Ethernet/IPv4/UDP frame of exactly frame_len bytes."""
    payload = b"x" * (frame_len - 14 - 20 - 8)
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + udp


def detect_a_col(tmpdir):
    """Which of tshark's two per-direction columns holds A -> B: one UDP
    packet from 192.0.2.1:1111 to 192.0.2.2:2222."""
    p = os.path.join(tmpdir, "one.pcap")
    write_pcap(p, [(10 ** 18, udp_frame("192.0.2.1", "192.0.2.2", 1111, 2222, 100))])
    rows = conv_tables(p, ["conv,udp"])["conv,udp"]
    if len(rows) != 1:
        raise Usage("tshark gave %d conv,udp rows for one packet" % len(rows))
    r = rows[0]
    cols = [i for i in (0, 1) if r["cols"][i][0] == 1]
    if len(cols) != 1 or r["cols"][1 - cols[0]][0] != 0:
        raise Usage("one packet, but tshark's columns are %r" % (r["cols"],))
    sender_is_a = r["A"] == ("192.0.2.1", 1111)
    return cols[0] if sender_is_a else 1 - cols[0], r


def cmd_selftest(args, v):
    with tempfile.TemporaryDirectory() as d:
        a_col, r = detect_a_col(d)
        v.ok("one packet 192.0.2.1:1111 -> 192.0.2.2:2222: tshark's A is %s, its column %d "
             "('%s') is A -> B" % (ep_text(r["A"]), a_col, "<-" if a_col == 0 else "->"))
        # tshark's own printing of sizes either side of each unit change
        sizes = [60, 9999, 10000, 10999, 999999, 9999999, 10000000]
        frames, t = [], 10 ** 18
        for i, total in enumerate(sizes):
            left = total
            while left:
                n = min(left, 9000)
                if left - n and left - n < 60:  # keep every frame at least 60 bytes
                    n = left - 60
                frames.append((t, udp_frame("192.0.2.1", "198.51.100.%d" % (i + 1), 1000, 2000, n)))
                t += 1000
                left -= n
        p = os.path.join(d, "sizes.pcap")
        write_pcap(p, frames)
        rows = conv_tables(p, ["conv,ipv4"])["conv,ipv4"]
        got = {r["B"][0] if r["A"][0] == "192.0.2.1" else r["A"][0]: r["cols"][2][1] for r in rows}
        for i, total in enumerate(sizes):
            v.check("tshark prints a %d-byte conversation as format_size() does" % total,
                    format_size(total), got.get("198.51.100.%d" % (i + 1)))


def expect_units(path, by):
    with open(path) as f:
        e = json.load(f)
    units = []
    for c in e["conversations"]:
        units.append(unit_of(c, by, "rtt_ns"))
    return e, units


def cmd_expect(args, v):
    frames = frames_of(args.pcap)
    e, units = expect_units(args.expect, "5tuple")
    label = "tshark vs mkflows --expect"
    v.check("%s: frames in the file" % label, e["file"]["packets"], len(frames))
    v.check("%s: bytes in the file" % label, e["file"]["bytes"], sum(f.len for f in frames))
    _, notflow = truth_from_frames(frames, "5tuple")
    v.check("%s: frames without an IP header tshark dissects (packets, bytes)" % label,
            [e["not_flow"]["packets"], e["not_flow"]["bytes"]], notflow)
    with tempfile.TemporaryDirectory() as d:
        a_col, _ = detect_a_col(d)
    compare_exact(v, label, units, frames, "5tuple")
    compare_tables(v, label, units, args.pcap, frames, "5tuple", a_col)
    compare_rtt(v, label, units, frames, True)
    starters(v, label, units, frames, every_unit=True)
    _, hp = expect_units(args.expect, "hostpair")
    compare_exact(v, label + " (host pairs)", hp, frames, "hostpair")
    compare_tables(v, label + " (host pairs)", hp, args.pcap, frames, "hostpair", a_col)


def rfc3339(ns):
    import time
    s, sub = divmod(ns, 10 ** 9)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%09dZ" % sub


def record_fields(v, label, units):
    """Each record on its own: times, duration and names consistent."""
    problems = []
    for u in units:
        o = u.raw
        what = "%s, record %s from %s" % (key_text(u.key), u.record, u.start)
        if u.start is None:
            problems.append((what, "at least one packet", "none"))
            continue
        for s in (u.ab, u.ba):
            if s.get("packets") and not s.get("first_ns", 0) <= s.get("last_ns", 0):
                problems.append((what, "first_ns <= last_ns", "%s > %s" % (s.get("first_ns"), s.get("last_ns"))))
        if o.get("first_seen") != rfc3339(u.start) or o.get("last_seen") != rfc3339(u.end_ns):
            problems.append((what + " first_seen/last_seen", "%s %s" % (rfc3339(u.start), rfc3339(u.end_ns)),
                             "%s %s" % (o.get("first_seen"), o.get("last_seen"))))
        dur = o.get("duration_s")
        if not close_enough(u.end_ns - u.start, dur, 10 ** 9):
            problems.append((what + " duration_s", str(Decimal(u.end_ns - u.start) / 10 ** 9), str(dur)))
        p = o.get("proto")
        if p in (1, 6, 17) and o.get("protocol") != PROTO_NAMES[p]:
            problems.append((what + " protocol name", PROTO_NAMES[p], o.get("protocol")))
        if o.get("end_reason") not in ("idle", "active", "tcp_end", "forced"):
            problems.append((what + " end_reason", "idle|active|tcp_end|forced", o.get("end_reason")))
    v.many("%s: each record: first_seen/last_seen = its first/last packet (RFC 3339, ns), "
           "duration_s, protocol name (tcp, udp, icmp), end_reason" % label, problems, len(units))


def cmd_compare(args, v):
    frames = frames_of(args.pcap)
    recs, _ = read_records(args.flows)
    if not recs:
        raise Usage("%s holds no flow record" % args.flows)
    units = [unit_of(r, args.by, "rtt_us") for r in recs]
    label = args.label or ("pktscope flows --by %s vs tshark" % args.by)
    with tempfile.TemporaryDirectory() as d:
        a_col, _ = detect_a_col(d)
    record_fields(v, label, units)
    compare_exact(v, label, units, frames, args.by, check_times=not args.live)
    compare_tables(v, label, units, args.pcap, frames, args.by, a_col)
    if args.by == "5tuple":
        compare_rtt(v, label, units, frames, False, live=args.live)
        starters(v, label, units, frames, live=args.live)


def tcp_ended(frames):
    """FIN from both ends, or a RST."""
    fin = set()
    for f in frames:
        if f.flags & 0x04:
            return True
        if f.flags & 0x01:
            fin.add((f.src, f.sport))
    return len(fin) == 2


def cmd_records(args, v):
    """How records cut conversations, from tshark's packets.  A
    conversation is a 5-tuple's packets up to a gap longer than --idle (for
    TCP, a tshark stream: a new handshake after a close is a new one).  The
    records of a 5-tuple take its packets in time order, each exactly the
    packets it counts; for each record and direction the packets, bytes,
    TCP flags, first_ns and last_ns must be those of its own packets.
    Within a conversation a record ends 'active' only once the next packet
    is --active or more after the record's first (never early), and holds
    packets at most --active plus one sweep (--interval) apart (never
    late); a conversation's last record ends tcp_end (FIN both ways or RST),
    idle, or forced when the file ended before the idle timeout; where one
    sweep's granularity makes either possible, either is taken."""
    frames = frames_of(args.pcap)
    recs, _ = read_records(args.flows)
    units = [unit_of(r, "5tuple", "rtt_us") for r in recs]
    label = args.label or "pktscope flows records"
    S = lambda x: int(Decimal(x) * 10 ** 9)
    idle, active, sweep, linger = S(args.idle), S(args.active), S(args.interval), S(args.fin_timeout)
    file_end, base = frames[-1].ns, frames[0].ns
    t = lambda ns: fmt_rel(ns - base) if ns is not None and ns >= base else str(ns)
    pk = {}
    for f in frames:
        k = frame_key(f, "5tuple")
        if k:
            pk.setdefault(k[0], []).append(f)
    by_key = {}
    for u in units:
        by_key.setdefault(u.key, []).append(u)
    exact, cuts, ends, n_recs = [], [], [], 0
    for key in sorted(set(pk) | set(by_key), key=key_text):
        fl = pk.get(key, [])
        got = sorted(by_key.get(key, []), key=lambda u: (u.start or 0, u.record or 0))
        n_recs += len(got)
        if not fl:
            exact.append((key_text(key), "no such conversation in tshark", "%d record(s)" % len(got)))
            continue
        conv_of, cid = [], 0
        for i, f in enumerate(fl):
            if i and (f.ns - fl[i - 1].ns > idle or
                      (f.stream is not None and f.stream != fl[i - 1].stream)):
                cid += 1
            conv_of.append(cid)
        pos, segs = 0, []
        for u in got:
            n = int(u.ab.get("packets", 0)) + int(u.ba.get("packets", 0))
            seg = fl[pos:pos + n]
            what = "%s, record %s (%s)" % (key_text(key), u.record, u.end)
            if len(seg) < n:
                exact.append((what, "at most %d packets left" % len(seg), "%d packets" % n))
                break
            cs = sorted(set(conv_of[pos:pos + n]))
            pos += n
            if len(cs) > 1:
                gaps = [fl[j].ns - fl[j - 1].ns for j in range(pos - n + 1, pos)]
                exact.append((what, "one conversation per record (the idle timeout ends it)",
                              "packets of %d conversations, the longest gap %s s" % (len(cs), fmt_rel(max(gaps)))))
            segs.append((u, seg, cs[0]))
            for d, side in ((0, u.ab), (1, u.ba)):
                mine = [f for f in seg if (frame_key(f, "5tuple")[1] == u.a) == (d == 0)]
                want = (len(mine), sum(f.len for f in mine), t(mine[0].ns) if mine else None,
                        t(mine[-1].ns) if mine else None,
                        flag_text(reduce_or(f.flags for f in mine)) if key[1] == 6 else None)
                have = (int(side.get("packets", 0)), int(side.get("bytes", 0)),
                        t(side.get("first_ns")) if side.get("packets") else None,
                        t(side.get("last_ns")) if side.get("packets") else None,
                        flag_text(flags_of(side.get("tcp_flags"))) if key[1] == 6 else None)
                if want != have:
                    exact.append(("%s, %s" % (what, "a -> b" if d == 0 else "b -> a"),
                                  "packets, bytes, first, last (s from the file's first packet), flags: %s" % (want,),
                                  "%s" % (have,)))
        if pos < len(fl) and len(segs) == len(got):
            exact.append((key_text(key), "every packet in a record",
                          "%d packets from %s s in none" % (len(fl) - pos, t(fl[pos].ns))))
        # cuts and end reasons, on the true packet times of each record
        for i, (u, seg, c) in enumerate(segs):
            what = "%s, record %s [%s..%s]" % (key_text(key), u.record, t(seg[0].ns), t(seg[-1].ns))
            if seg[-1].ns - seg[0].ns > active + sweep:
                cuts.append((what, "packets at most active + one sweep apart",
                             "%s s apart" % fmt_rel(seg[-1].ns - seg[0].ns)))
            nxt = segs[i + 1] if i + 1 < len(segs) else None
            if nxt and nxt[2] == c:
                if u.end != "active" or nxt[1][0].ns - seg[0].ns < active:
                    cuts.append((what, "cut 'active', the next packet %s or more after the record's first"
                                 % fmt_rel(active), "cut '%s', the next packet %s after"
                                 % (u.end, fmt_rel(nxt[1][0].ns - seg[0].ns))))
                continue
            conv = [f for f, cc in zip(fl, conv_of) if cc == c]
            after = (fl[conv_of.index(c + 1)].ns if c + 1 in conv_of else file_end) - seg[-1].ns
            ended = key[1] == 6 and tcp_ended(conv)
            if ended:
                ok_ends = {"tcp_end"} if file_end - seg[-1].ns >= linger + sweep else {"tcp_end", "forced"}
            elif c + 1 in conv_of:
                ok_ends = {"idle"}
            elif after >= idle + sweep:
                ok_ends = {"idle"}
            elif after < idle:
                ok_ends = {"forced"}
            else:
                ok_ends = {"idle", "forced"}
            if u.end not in ok_ends:
                ends.append((what, "|".join(sorted(ok_ends)) + (" (FIN both ways or RST)" if ended else
                             " (%s s of file after its last packet)" % fmt_rel(after)), u.end))
    v.many("%s: each record holds exactly its own packets (per direction: packets, bytes, "
           "first_ns, last_ns, TCP flags of those packets)" % label, exact, n_recs)
    v.many("%s (active %s s, sweep %s s): records cut only at the active timeout, never early or "
           "a sweep late" % (label, args.active, args.interval), cuts, n_recs)
    v.many("%s (idle %s s): a conversation's last record ends tcp_end, idle, or forced at the end "
           "of the file" % (label, args.idle), ends, n_recs)


def reduce_or(it):
    v = 0
    for x in it:
        v |= x
    return v


# ------------------------------------------------------------- endpoints

EP_TITLES = {"IPv4 Endpoints": 4, "IPv6 Endpoints": 6}
EP_COLS = ("Packets", "Bytes", "Tx Packets", "Tx Bytes", "Rx Packets", "Rx Bytes")


def endpoint_tables(pcap):
    """tshark -z endpoints,ipv4 -z endpoints,ipv6: {(ipver, addr): {column:
    n}}, the columns as tshark's header line names them (its counts are
    printed whole, without units)."""
    out = tshark(["-r", pcap, "-q", "-z", "endpoints,ipv4", "-z", "endpoints,ipv6"])
    rows, ver, cols, seen = {}, None, None, set()
    for line in out.splitlines():
        s = line.strip()
        if s in EP_TITLES:
            ver, cols = EP_TITLES[s], None
            seen.add(ver)
            continue
        if ver is None or not s or s.startswith("=") or s.startswith("Filter:"):
            continue
        if "|" in s:
            cols = [c.strip() for c in s.split("|") if c.strip()]
            if sorted(cols) != sorted(EP_COLS):
                raise Usage("unexpected IPv%d endpoints header: %r" % (ver, line))
            continue
        tok = s.split()
        if cols is None or len(tok) != 1 + len(cols):
            raise Usage("unexpected IPv%d endpoints row: %r" % (ver, line))
        key = (ver, norm_addr(tok[0]))
        if key in rows:
            raise Usage("IPv%d endpoint %s in two rows" % key)
        rows[key] = dict(zip(cols, (int(t) for t in tok[1:])))
    if seen != {4, 6}:
        raise Usage("tshark printed the endpoint tables of IPv%s only" % sorted(seen))
    return rows


def host_truth(frames, idle_ns):
    """From tshark's frames:
    - per host (ipver, addr): [[Tx packets, bytes], [Rx packets, bytes]];
    - the conversations, cut where pktscope cuts them (a new TCP stream, or
      more than the idle timeout between two packets of a 5-tuple), each
      credited whole to the host that started it ('src': the sender of its
      first SYN, else of its first packet) and to the host it was started
      to ('dst'): per host [[packets, bytes] starter -> other end, [...]
      back]."""
    txrx, pk = {}, {}
    for f in frames:
        if f.ipver is None:
            continue
        for d, host in enumerate((f.src, f.dst)):
            c = txrx.setdefault((f.ipver, host), [[0, 0], [0, 0]])
            c[d][0] += 1
            c[d][1] += f.len
        key, sender = frame_key(f, "5tuple")
        pk.setdefault(key, []).append((f, sender))
    groups = {"src": {}, "dst": {}}
    for key, fl in pk.items():
        parts = [[fl[0]]]
        for (p, _), (f, s) in zip(fl, fl[1:]):
            if f.ns - p.ns > idle_ns or (f.stream is not None and f.stream != p.stream):
                parts.append([])
            parts[-1].append((f, s))
        lo, hi = canon(key)
        for part in parts:
            syns = [s for f, s in part if f.proto == 6 and f.flags & 0x02]
            starter = syns[0] if syns else part[0][1]
            other = hi if starter == lo else lo
            for f, s in part:
                d = 0 if s == starter else 1
                for by, host in (("src", starter[0]), ("dst", other[0])):
                    g = groups[by].setdefault((key[0], host), [[0, 0], [0, 0]])
                    g[d][0] += 1
                    g[d][1] += f.len
    return txrx, groups


def host_records(path, by):
    """pktscope flows --json --by src|dst: {(ipver, host): [[packets,
    bytes] a -> b, [...] b -> a]}, and what is wrong with the records' form
    (the host in 'a' for src, in 'b' for dst, the other end empty, protocol
    "any", one record per host)."""
    recs, _ = read_records(path)
    if not recs:
        raise Usage("%s holds no flow record" % path)
    me, other = ("a", "b") if by == "src" else ("b", "a")
    groups, form = {}, []
    for o in recs:
        host = (o.get(me) or {}).get("addr")
        if (o.get("by") != by or host is None or o.get(other) != {} or
                sorted(o.get(me) or {}) != ["addr"] or o.get("protocol") != "any"):
            form.append(("a record", '"by": "%s", "%s": {"addr": HOST}, "%s": {}, "protocol": "any"'
                         % (by, me, other), json.dumps({k: o.get(k) for k in ("by", "protocol", "a", "b")})))
            if host is None:
                continue
        key = (o["ip_version"], norm_addr(host))
        if key in groups:
            form.append(("IPv%d %s" % key, "one record", "more than one"))
        g = groups.setdefault(key, [[0, 0], [0, 0]])
        for d, s in enumerate((o.get("a_to_b") or {}, o.get("b_to_a") or {})):
            g[d][0] += int(s.get("packets", 0))
            g[d][1] += int(s.get("bytes", 0))
    return groups, form, len(recs)


def pb_text(c):
    return "%d packets %d bytes" % tuple(c)


def compare_hosts(v, what, want, got):
    """Per host, [[packets, bytes] x2] against [[packets, bytes] x2], names
    for the two: every host on either side, exactly."""
    problems = []
    for key in sorted(set(want) | set(got), key=lambda k: (k[0], ipaddress.ip_address(k[1]))):
        host = "IPv%d %s" % key
        if key not in got:
            problems.append((host, "%s, %s" % tuple(pb_text(c) for c in want[key]), "no such host"))
        elif key not in want:
            problems.append((host, "no such host", "%s, %s" % tuple(pb_text(c) for c in got[key])))
        elif want[key] != got[key]:
            problems.append((host, "%s, %s" % tuple(pb_text(c) for c in want[key]),
                             "%s, %s" % tuple(pb_text(c) for c in got[key])))
    v.many(what, problems, len(want))


def cmd_endpoints(args, v):
    """--by src and --by dst against tshark's endpoint tables.  A --by src
    record is a host's conversations as their starter: a_to_b what it sent
    in them, b_to_a what it received; a --by dst record, the conversations
    started to it: a_to_b what it received, b_to_a what it sent.  So per
    host, tshark's Tx = src a_to_b + dst b_to_a and Rx = src b_to_a + dst
    a_to_b, and each grouping on its own matches the frames credited to
    the starter (src) or the other end (dst) of each conversation."""
    frames = frames_of(args.pcap)
    table = endpoint_tables(args.pcap)
    txrx, truth = host_truth(frames, int(Decimal(args.idle) * 10 ** 9))
    label = args.label or "pktscope flows --by src/--by dst vs tshark"
    # the reference read right: tshark's table against its own frames
    compare_hosts(v, "tshark -z endpoints,ipv4/ipv6: Tx and Rx (packets, bytes) per host = "
                  "frame.len sums by ip(v6).src and ip(v6).dst", txrx,
                  {k: [[r["Tx Packets"], r["Tx Bytes"]], [r["Rx Packets"], r["Rx Bytes"]]]
                   for k, r in table.items()})
    both = [(k, r) for k, r in table.items()
            if [r["Packets"], r["Bytes"]] != [r["Tx Packets"] + r["Rx Packets"], r["Tx Bytes"] + r["Rx Bytes"]]]
    v.many("tshark -z endpoints: Packets = Tx + Rx packets, Bytes = Tx + Rx bytes",
           [("IPv%d %s" % k, "sums", str(r)) for k, r in both], len(table))
    got = {}
    for by in ("src", "dst"):
        groups, form, n = host_records(getattr(args, by), by)
        v.many("%s: --by %s records: one per host, the host in '%s', the other end empty, "
               "protocol any" % (label, by, "a" if by == "src" else "b"), form, n)
        compare_hosts(v, "%s: --by %s per host, a -> b and b -> a (packets, bytes) = its "
                      "conversations as %s, from tshark's frames (starter: first SYN's sender, "
                      "else first packet's)" % (label, by, "their starter" if by == "src" else
                                                "the end they were started to"),
                      truth[by], groups)
        got[by] = groups
    for ver in (4, 6):
        want, have = {}, {}
        for k, r in table.items():
            if k[0] == ver:
                want[k] = [[r["Tx Packets"], r["Tx Bytes"]], [r["Rx Packets"], r["Rx Bytes"]]]
        for k in set(got["src"]) | set(got["dst"]):
            if k[0] != ver:
                continue
            s = got["src"].get(k, [[0, 0], [0, 0]])
            d = got["dst"].get(k, [[0, 0], [0, 0]])
            have[k] = [[s[0][0] + d[1][0], s[0][1] + d[1][1]], [s[1][0] + d[0][0], s[1][1] + d[0][1]]]
        compare_hosts(v, "%s: tshark -z endpoints,ipv%d, every host: Tx (packets, bytes) = --by src "
                      "a_to_b + --by dst b_to_a, Rx = --by src b_to_a + --by dst a_to_b"
                      % (label, ver), want, have)


def cmd_as_records(args, v):
    with open(args.expect) as f:
        e = json.load(f)
    for c in e["conversations"]:
        firsts = [s["first_ns"] for s in (c["a_to_b"], c["b_to_a"]) if s["packets"]]
        lasts = [s["last_ns"] for s in (c["a_to_b"], c["b_to_a"]) if s["packets"]]
        r = {"type": "flow", "interface": "file", "ifindex": 0, "ip_version": c["ip_version"],
             "protocol": c["protocol"], "proto": c["proto"], "a": c["a"], "b": c["b"],
             "a_to_b": c["a_to_b"], "b_to_a": c["b_to_a"],
             "first_seen": rfc3339(min(firsts)), "last_seen": rfc3339(max(lasts)),
             "duration_s": (max(lasts) - min(firsts)) / 1e9,
             "rtt_us": None if c["rtt_ns"] is None else c["rtt_ns"] / 1e3,
             "end_reason": "tcp_end" if c["ends"] in ("fin", "rst") else "idle",
             "record": 1}
        print(json.dumps(r))


def describe(recs, base):
    """Records as [first..last (s from the file's first packet) packets why]."""
    def t(ns):
        return "?" if ns is None else fmt_rel(ns - base) if ns >= base else "-" + fmt_rel(base - ns)
    return "; ".join("[%s..%s %d pkts %s]" % (t(a), t(b), n, why) for a, b, n, why in recs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd")
    sub.add_parser("selftest")
    p = sub.add_parser("expect")
    p.add_argument("pcap")
    p.add_argument("expect")
    p = sub.add_parser("compare")
    p.add_argument("pcap")
    p.add_argument("flows")
    p.add_argument("--by", choices=("5tuple", "hostpair"), default="5tuple")
    p.add_argument("--live", action="store_true",
                   help="PCAP is a capture taken beside pktscope: its times are not pktscope's "
                        "(no time or RTT value compared)")
    p.add_argument("--label")
    p = sub.add_parser("as-records")
    p.add_argument("expect")
    p = sub.add_parser("records")
    p.add_argument("pcap")
    p.add_argument("flows")
    p.add_argument("--idle", required=True)
    p.add_argument("--active", required=True)
    p.add_argument("--interval", default="1", help="pktscope's --interval: one sweep")
    p.add_argument("--fin-timeout", default="1")
    p.add_argument("--label")
    p = sub.add_parser("endpoints")
    p.add_argument("pcap")
    p.add_argument("src", help="pktscope flows -r PCAP --json --by src")
    p.add_argument("dst", help="pktscope flows -r PCAP --json --by dst")
    p.add_argument("--idle", required=True, help="the --idle-timeout both ran with")
    p.add_argument("--label")
    args = ap.parse_args()
    if not args.cmd:
        ap.print_usage(sys.stderr)
        return 2
    v = Verdicts()
    try:
        {"selftest": cmd_selftest, "expect": cmd_expect, "compare": cmd_compare,
         "records": cmd_records, "as-records": cmd_as_records,
         "endpoints": cmd_endpoints}[args.cmd](args, v)
    except (Usage, OSError, KeyError, ValueError) as e:
        print("conv.py: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        return 2
    return 1 if v.bad else 0


if __name__ == "__main__":
    sys.exit(main())

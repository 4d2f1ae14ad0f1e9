#!/usr/bin/env python3
"""Flow records for the IPFIX collector test, and what the collectors made
of them.

- 'gen SEED N DIR': N conversations (IPv4 and IPv6; TCP, UDP, ICMP, ICMPv6;
  some one-way; counters past 2^32; times with sub-millisecond parts) as
  JSON lines for build/tools/mkipfix (DIR/records.jsonl), and the uniflow
  Data Records pktscope must turn them into (DIR/expected.json), written
  from the IPFIX definitions, not from pktscope's code;
- 'fromflows JSONL DIR': the uniflow records `pktscope flows --json
  --ipfix` must have sent, from its JSON records (DIR/expected.json);
- 'nfdump EXPECTED RAW': checks `nfdump -o raw` output against them;
- 'pmacct EXPECTED CSV': checks nfacctd's print plugin CSV against them.

The checks print one line per verdict, "ok|bad<TAB>what<TAB>expected<TAB>got",
for lib.sh's verdicts (exit status 1 when one is bad).  Only the standard library.
"""
import calendar
import ipaddress
import json
import os
import random
import sys

ICMP_OF = {4: 1, 6: 58}


def gen(seed, n, outdir):
    rnd = random.Random(seed)
    base_ns = 1700000000 * 10**9
    recs, uniflows = [], []
    for i in range(n):
        ver = 6 if i % 3 == 1 else 4
        proto = [6, 17, ICMP_OF[ver], 6, 17][i % 5]
        if ver == 4:
            a = "10.%d.%d.%d" % (i // 250, i % 250, 1 + i % 7)
            b = "198.51.%d.%d" % (i % 200, 1 + i // 200)
        else:
            a = "2001:db8:%x::%x" % (i, rnd.randrange(1, 0xffff))
            b = "fd00:%x::%x:%x" % (rnd.randrange(1, 0xffff), i, rnd.randrange(0, 0xffff))
        ports = proto in (6, 17)
        rec = {
            "ifindex": rnd.choice([1, 2, 3, 70000, 2**31 + 5, 2**32 - 1]),
            "proto": proto, "a": a, "b": b,
            "a_port": rnd.randrange(1024, 65536) if ports else 0,
            "b_port": rnd.choice([53, 80, 443, 4739, 65535]) if ports else 0,
            "end": rnd.randrange(1, 5),
        }
        for side in ("ab", "ba"):
            if side == "ba" and i % 6 == 5:
                rec[side] = {"packets": 0}  # one-way: no record that way
                continue
            first = base_ns + rnd.randrange(0, 3600 * 10**9)
            last = first + rnd.randrange(0, 600 * 10**9)
            if i % 11 == 0:
                pk = rnd.randrange(2**32, 2**34)   # > 2^32 packets
                by = pk * 1500
            elif i % 7 == 0:
                pk = rnd.randrange(1, 10**7)
                by = rnd.randrange(2**32, 2**42)  # > 2^32 bytes
            else:
                pk = rnd.randrange(1, 5000)
                by = pk * rnd.randrange(40, 1500)
            s = {"packets": pk, "bytes": by, "first_ns": first, "last_ns": last}
            if proto == 6:
                s["tcp_flags"] = rnd.randrange(1, 256)
            if proto == ICMP_OF[ver]:
                s["icmp_type"] = rnd.choice([0, 3, 8, 11, 128, 129, 135, 255])
                s["icmp_code"] = rnd.choice([0, 1, 3, 255])
            rec[side] = s
        recs.append(rec)
        for side, src, dst, sp, dp in (("ab", "a", "b", "a_port", "b_port"),
                                       ("ba", "b", "a", "b_port", "a_port")):
            s = rec[side]
            if not s["packets"]:
                continue
            icmp = proto == ICMP_OF[ver]
            uniflows.append({
                "ver": ver, "proto": proto,
                "src": rec[src], "dst": rec[dst], "sport": rec[sp], "dport": rec[dp],
                "packets": s["packets"], "bytes": s["bytes"],
                "start_ms": s["first_ns"] // 10**6, "end_ms": s["last_ns"] // 10**6,
                "tcp_flags": s.get("tcp_flags", 0),
                "icmp": (s.get("icmp_type", 0) << 8 | s.get("icmp_code", 0)) if icmp else 0,
                "ifindex": rec["ifindex"], "end": rec["end"],
            })
    with open(os.path.join(outdir, "records.jsonl"), "w") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")
    with open(os.path.join(outdir, "expected.json"), "w") as f:
        json.dump(uniflows, f)
    print(len(uniflows))


TCP_BITS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10, "U": 0x20, "E": 0x40,
            "C": 0x80}
END_CODE = {"idle": 1, "active": 2, "tcp_end": 3, "forced": 4}


def fromflows(jsonl, outdir):
    """The uniflow Data Records that `pktscope flows --json --ipfix` must
    have sent, from its own JSON records (what it says it exported)."""
    uniflows = []
    for line in open(jsonl):
        r = json.loads(line)
        if r.get("type") != "flow":
            continue
        ver, proto = r["ip_version"], r["proto"]
        for side, src, dst in (("a_to_b", "a", "b"), ("b_to_a", "b", "a")):
            s = r[side]
            if not s["packets"]:
                continue
            flags = 0
            for c in s.get("tcp_flags", ""):
                flags |= TCP_BITS.get(c, 0)
            icmp = proto == ICMP_OF[ver]
            uniflows.append({
                "ver": ver, "proto": proto,
                "src": r[src]["addr"], "dst": r[dst]["addr"],
                "sport": r[src].get("port", 0), "dport": r[dst].get("port", 0),
                "packets": s["packets"], "bytes": s["bytes"],
                "start_ms": s["first_ns"] // 10**6, "end_ms": s["last_ns"] // 10**6,
                "tcp_flags": flags,
                "icmp": (s.get("icmp_type", 0) << 8 | s.get("icmp_code", 0)) if icmp else 0,
                "ifindex": r["ifindex"], "end": END_CODE[r["end_reason"]],
            })
    with open(os.path.join(outdir, "expected.json"), "w") as f:
        json.dump(uniflows, f)
    print(len(uniflows))


def norm(addr):
    return ipaddress.ip_address(addr.strip()).compressed


def key(u):
    return (u["proto"], norm(u["src"]), norm(u["dst"]), u["sport"], u["dport"])


# What a collector must show, field by field: (label, [fields]).
CHECKS = [
    ("packets and bytes", ["packets", "bytes"]),
    ("start and end times (ms)", ["start_ms", "end_ms"]),
    ("TCP flags", ["tcp_flags"]),
    ("ICMP type and code", ["icmp"]),
    ("ingress interface", ["ifindex"]),
    ("flowEndReason", ["end"]),
]


def verdicts(expected, got, fields_of):
    """Matches records by their 5-tuple (unique per uniflow in 'gen') and
    prints the verdicts; fields_of: the checks this collector can make."""
    out = []
    exp = {key(u): u for u in expected}
    seen, dup = {}, 0
    for g in got:
        k = key(g)
        if k in seen:
            dup += 1
        seen[k] = g
    missing = [k for k in exp if k not in seen]
    extra = [k for k in seen if k not in exp]
    out.append(("ok" if not missing and not extra and not dup and len(got) == len(expected)
                else "bad", "every record once (addresses, ports, protocol), none extra",
                "%d records" % len(expected),
                "%d records, %d missing (%s), %d extra (%s), %d duplicate" % (
                    len(got), len(missing), missing[:2], len(extra), extra[:2], dup)))
    for label, fields in CHECKS:
        if label not in fields_of:
            continue
        bad = []
        for k, u in exp.items():
            g = seen.get(k)
            if g is None:
                continue
            for f in fields:
                if g.get(f) != u[f]:
                    bad.append("%s %s: %s" % (k, f, g.get(f)) + " want %s" % u[f])
        out.append(("ok" if not bad else "bad", "%s of every record" % label,
                    "all %d equal" % len(exp), "%d differ: %s" % (len(bad), "; ".join(bad[:3]))))
    for v in out:
        print("\t".join(v))
    return 1 if any(v[0] == "bad" for v in out) else 0


def parse_nfdump_raw(path):
    """`nfdump -o raw` blocks -> records with the fields of 'gen'."""
    recs, cur = [], None
    with open(path) as f:
        for line in f:
            if line.startswith("Flow Record"):
                cur = {"sport": 0, "dport": 0, "icmp": 0}
                recs.append(cur)
                continue
            if cur is None or "=" not in line:
                continue
            name, val = [x.strip() for x in line.split("=", 1)]
            tok = val.split()
            if name == "first":
                cur["start_ms"] = int(tok[0])
            elif name == "last":
                cur["end_ms"] = int(tok[0])
            elif name == "proto":
                cur["proto"] = int(tok[0])
            elif name == "tcp flags":
                cur["tcp_flags"] = int(tok[0], 16)
            elif name == "src port":
                cur["sport"] = int(tok[0])
            elif name == "dst port":
                cur["dport"] = int(tok[0])
            elif name == "ICMP":
                t, c = tok[0].split(".")
                cur["icmp"] = int(t) << 8 | int(c)
            elif name == "in packets":
                cur["packets"] = int(tok[0])
            elif name == "in bytes":
                cur["bytes"] = int(tok[0])
            elif name == "src addr":
                cur["src"] = tok[0]
            elif name == "dst addr":
                cur["dst"] = tok[0]
            elif name == "input":
                cur["ifindex"] = int(tok[0])
            elif name == "end reason":
                cur["end"] = int(tok[0], 16)
    return recs


PROTO_NAMES = {"tcp": 6, "udp": 17, "icmp": 1, "ipv6-icmp": 58, "icmpv6": 58}


def ms_of(ts):
    """'2023-11-14 22:13:20.123000' (UTC) -> ms since the epoch."""
    day, frac = ts.split(".") if "." in ts else (ts, "0")
    secs = calendar.timegm(tuple(int(x) for x in
                                 day.replace("-", " ").replace(":", " ").split()) + (0, 0, 0))
    return secs * 1000 + int(frac.ljust(6, "0")[:6]) // 1000


def parse_pmacct_csv(path):
    recs = []
    with open(path) as f:
        head = f.readline().strip().split(",")
        for line in f:
            row = dict(zip(head, line.strip().split(",")))
            if not row.get("SRC_IP"):
                continue
            proto = row["PROTOCOL"]
            proto = PROTO_NAMES.get(proto, int(proto) if proto.isdigit() else -1)
            src = norm(row["SRC_IP"])
            recs.append({
                "proto": proto, "src": src, "dst": row["DST_IP"],
                "sport": int(row["SRC_PORT"]), "dport": int(row["DST_PORT"]),
                "packets": int(row["PACKETS"]), "bytes": int(row["BYTES"]),
                "start_ms": ms_of(row["TIMESTAMP_START"]), "end_ms": ms_of(row["TIMESTAMP_END"]),
                "tcp_flags": int(row["TCP_FLAGS"]), "ifindex": int(row["IN_IFACE"]),
                "icmp": int(row["icmp6"] if ":" in src else row["icmp4"]),
                "end": int(row["endreason"]),
            })
    return recs


def main(argv):
    if len(argv) == 5 and argv[1] == "gen":
        gen(int(argv[2]), int(argv[3]), argv[4])
    elif len(argv) == 4 and argv[1] == "fromflows":
        fromflows(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] in ("nfdump", "pmacct"):
        with open(argv[2]) as f:
            expected = json.load(f)
        if argv[1] == "nfdump":
            got = parse_nfdump_raw(argv[3])
        else:
            got = parse_pmacct_csv(argv[3])
        return verdicts(expected, got, [c[0] for c in CHECKS])
    else:
        sys.exit("usage: ipfixcmp.py gen SEED N DIR | fromflows JSONL DIR | "
                 "{nfdump,pmacct} EXPECTED FILE")


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""`pktscope flows -r FILE` (the table) against `pktscope flows -r FILE
--json` (the records, which test_flows_offline compares with tshark):

    tablecheck.py TABLE RECORDS.jsonl SORT FIRST_NS [--by hostpair] [--top N]

TABLE is the table's stdout, SORT the --sort key it was made with, FIRST_NS
the capture's first frame time in ns (tshark), from which START counts.

  - the header names the columns of README's table, in its order;
  - one row per record (by 5-tuple: the same multiset of protocol,
    endpoints, packets and bytes each way, end reason, START and DURATION
    as the records); --by hostpair: one row per host pair, FLOWS its
    records, every count their sum;
  - every row's RATE is its bits over its duration, or over one second when
    it lasted less, in the table's units;
  - the rows are in the order of the column the sort key names: BYTES,
    PKTS, RATE (the largest first), START (the earliest first); --top N
    keeps the first N.

Output: "ok<TAB>what" or "bad<TAB>what<TAB>expected<TAB>got" per verdict
(lib.sh's tap_compare); exit 1 when any is bad.  Only the standard library.
"""
import argparse
import json
import sys
from collections import Counter

HEAD_5TUPLE = ("PROTO A B RATE PKTS BYTES PKTS> BYTES> <PKTS <BYTES START DURATION "
               "STATE END RTT").split()
HEAD_GROUPS = "FLOWS A B RATE PKTS BYTES PKTS> BYTES> <PKTS <BYTES START DURATION".split()
PROTO = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmp6"}
bad = 0


def verdict(what, exp, got):
    global bad
    if exp == got:
        print("ok\t%s" % what)
    else:
        bad += 1
        print("bad\t%s\t%s\t%s" % (what, str(exp)[:300], str(got)[:300]))


def human(v, unit):
    """flowtable.c ps_human(): %.0f below 1000, else %.1f and K M G T P."""
    pre = ["", "K", "M", "G", "T", "P"]
    i = 0
    while v >= 1000 and i < 5:
        v /= 1000
        i += 1
    if 0 < i < 5 and v >= 999.95:
        v /= 1000
        i += 1
    return ("%.1f%s%s" % (v, pre[i], unit)) if i else ("%.0f%s" % (v, unit))


def endpoint(e, ports, proto=None):
    """As the table prints it: "addr.port" by 5-tuple, without the port when
    it is 0 and the protocol has none (ESP...); "*" for no address."""
    if "addr" not in e:
        return "*"
    if ports and "port" in e and (e["port"] or proto in ("tcp", "udp")):
        return "%s.%d" % (e["addr"], e["port"])
    return e["addr"]


def times(r):
    firsts = [s["first_ns"] for s in (r["a_to_b"], r["b_to_a"]) if s["packets"]]
    lasts = [s["last_ns"] for s in (r["a_to_b"], r["b_to_a"]) if s["packets"]]
    return min(firsts), max(lasts)


def rate(nbytes, first, last):
    secs = (last - first) / 1e9
    return nbytes * 8.0 / (secs if secs > 1 else 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("table")
    ap.add_argument("records")
    ap.add_argument("sort", choices=["bytes", "packets", "rate", "age"])
    ap.add_argument("first_ns", type=int)
    ap.add_argument("--by", default="5tuple")
    ap.add_argument("--top", type=int, default=0)
    a = ap.parse_args()
    grouped = a.by != "5tuple"
    lines = open(a.table).read().splitlines()
    head = HEAD_GROUPS if grouped else HEAD_5TUPLE
    verdict("the header: %s" % " ".join(head), head, lines[0].split() if lines else [])
    rows = [l.split() for l in lines[1:]]
    verdict("every row has %d cells" % len(head), [], [r for r in rows if len(r) != len(head)][:3])
    rows = [r for r in rows if len(r) == len(head)]

    recs = [json.loads(l) for l in open(a.records)]
    recs = [r for r in recs if r.get("type") == "flow"]
    want = Counter()
    for r in recs:
        f, l = times(r)
        first = str(r["records"]) if grouped else r["protocol"]
        key = [first, endpoint(r["a"], not grouped, r["protocol"]),
               endpoint(r["b"], not grouped, r["protocol"]),
               str(r["a_to_b"]["packets"] + r["b_to_a"]["packets"]),
               str(r["a_to_b"]["bytes"] + r["b_to_a"]["bytes"]),
               str(r["a_to_b"]["packets"]), str(r["a_to_b"]["bytes"]),
               str(r["b_to_a"]["packets"]), str(r["b_to_a"]["bytes"]),
               "%.6f" % ((f - a.first_ns) / 1e9), "%.6f" % ((l - f) / 1e9)]
        if not grouped:
            key.append(r["end_reason"])
        want[tuple(key)] += 1
    got = Counter()
    for r in rows:
        key = r[0:3] + r[4:12]
        if not grouped:
            key.append(r[13])
        got[tuple(key)] += 1
    if a.top:
        verdict("--top %d: %d rows" % (a.top, min(a.top, len(recs))), min(a.top, len(recs)),
                len(rows))
        extra = got - want
        verdict("--top %d: each row is one of the records'" % a.top, [], sorted(extra)[:3])
    else:
        what = "one row per %s" % ("host pair: FLOWS its records, counts their sums"
                                   if grouped else
                                   "record: endpoints, packets and bytes each way, START, "
                                   "DURATION, END as the records")
        verdict(what + " (%d)" % len(recs), "", "")
        missing, extra = want - got, got - want
        verdict(what + ": none missing", [], sorted(missing)[:3])
        verdict(what + ": none more", [], sorted(extra)[:3])

    # RATE: bits over max(duration, 1 s), recomputed from the row's own
    # bytes and the records' exact times.
    wrong = []
    exact = {}
    for r in recs:
        f, l = times(r)
        nb = r["a_to_b"]["bytes"] + r["b_to_a"]["bytes"]
        exact.setdefault((endpoint(r["a"], not grouped, r["protocol"]),
                          endpoint(r["b"], not grouped, r["protocol"]),
                          str(nb), "%.6f" % ((f - a.first_ns) / 1e9)), rate(nb, f, l))
    rates = []
    for r in rows:
        v = exact.get((r[1], r[2], r[5], r[10]))
        if v is None:
            continue
        rates.append(v)
        if r[3] != human(v, "b/s"):
            wrong.append("%s %s: %s, not %s" % (r[1], r[2], r[3], human(v, "b/s")))
    verdict("RATE: every row's bits over its duration, or over 1 s when shorter", [], wrong[:3])

    def ordered(vals, desc):
        return all((x >= y) if desc else (x <= y) for x, y in zip(vals, vals[1:]))

    col = {"bytes": (5, True), "packets": (4, True), "age": (10, False)}
    if a.sort == "rate":
        vals, name, desc = rates, "RATE", True
        ok = len(rates) == len(rows) and all(
            x >= y * (1 - 1e-6) for x, y in zip(vals, vals[1:]))
    else:
        i, desc = col[a.sort]
        vals = [float(r[i]) for r in rows]
        name = head[i]
        ok = ordered(vals, desc)
    verdict("--sort %s: the rows in the order of the %s column (%s first)" %
            (a.sort, name, "largest" if desc else "earliest"), True, ok)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

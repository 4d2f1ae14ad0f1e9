#!/usr/bin/env python3
"""pktscope watch's text against tcpdump's, packet by packet.

  watchfmt.py strip PKTSCOPE_OUT            tcpdump's text from pktscope's
  watchfmt.py compare TCPDUMP_OUT PKTSCOPE_OUT [--skip N,N..]

A packet is the lines from one starting with a time stamp (HH:MM:SS.uuuuuu)
to the next.  'strip' removes what pktscope adds to tcpdump's text (the
README's rule):
  - after the time stamp, "IFACE In|Out " (the direction padded to three
    letters), "(hook) " with -v, and "vlan " or "vlan (qinq) " without -e;
  - at the end of the description, the first line of the packet ending in
    it: ", N bytes" and the marks after it (" [frag]", " [ttl low]" ...).
'compare' strips pktscope's output, cuts off tcpdump's decoding of TCP
payloads by port (": HTTP" after "length N": pktscope stops at the length),
and compares each packet's whole text.  Packets numbered in --skip (from 1)
are the ones pktscope is known not to print as tcpdump (protocols it does
not decode): they must differ, and are reported apart.  Prints TSV
"ok|bad <tab> what <tab> detail" lines.  Only the standard library.
"""
import re
import sys

TS = re.compile(r"^\d\d:\d\d:\d\d\.\d{6} ")
PREFIX = re.compile(r"^(\d\d:\d\d:\d\d\.\d{6} )\S+ (?:In |Out) (?:\((?:xdp|tc|socket)\) )?(?:vlan (?:\(qinq\) )?)?")
SUFFIX = re.compile(r", \d+ bytes(?: \[[^\]]*\])*$")
TCP_APP = re.compile(r"^(.*Flags \[[^\]]*\].*, length \d+): .*$")


def packets(text):
    out = []
    for line in text.split("\n"):
        if TS.match(line):
            out.append([line])
        elif out:
            out[-1].append(line)
    # The text ends with a newline: the last packet's last "line" is empty.
    if out and out[-1] and out[-1][-1] == "":
        out[-1].pop()
    return out


def strip(pkt):
    first = PREFIX.sub(r"\1", pkt[0], count=1)
    lines = [first] + pkt[1:]
    for i, line in enumerate(lines):
        m = SUFFIX.search(line)
        if m:
            lines[i] = line[:m.start()]
            break
    return lines


def cut_app(pkt):
    out, cut = [], False
    for line in pkt:
        m = TCP_APP.match(line)
        if m and not line.startswith("\t0x"):
            out.append(m.group(1))
            cut = True
        else:
            out.append(line)
    return out, cut


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "strip":
        for p in packets(open(sys.argv[2]).read()):
            print("\n".join(strip(p)))
        return 0
    if len(sys.argv) < 4 or sys.argv[1] != "compare":
        print(__doc__, file=sys.stderr)
        return 2
    td = packets(open(sys.argv[2]).read())
    ps = [strip(p) for p in packets(open(sys.argv[3]).read())]
    skip = set()
    if len(sys.argv) > 5 and sys.argv[4] == "--skip" and sys.argv[5]:
        skip = {int(x) for x in sys.argv[5].split(",")}
    res = []
    if len(td) != len(ps):
        res.append(("bad", "as many packets as tcpdump", "tcpdump %d, pktscope %d" % (len(td), len(ps))))
    else:
        res.append(("ok", "as many packets as tcpdump (%d)" % len(td), ""))
    same, diff, cuts, skipped_same = 0, [], 0, []
    for n, (t, p) in enumerate(zip(td, ps), 1):
        t, cut = cut_app(t)
        if n in skip:
            if t == p:
                skipped_same.append(n)
            continue
        cuts += cut
        if t == p:
            same += 1
        else:
            diff.append("packet %d:\n  tcpdump:  %s\n  pktscope: %s" % (n, "\n            ".join(t), "\n            ".join(p)))
    what = "each packet's text is tcpdump's (%d compared, %d known apart, %d with tcpdump's payload decoding cut)" % (
        len(td) - len(skip), len(skip), cuts)
    if diff:
        res.append(("bad", what, "%d differ; first: %s" % (len(diff), "\n".join(diff[:5]))))
    else:
        res.append(("ok", what, ""))
    if skipped_same:
        res.append(("bad", "the packets known apart do differ", "same as tcpdump: %s" % skipped_same))
    elif skip:
        res.append(("ok", "the %d packets known apart do differ" % len(skip), ""))
    for r in res:
        print("\t".join((r[0], r[1], r[2].replace("\t", "\\t").replace("\n", "\\n"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())

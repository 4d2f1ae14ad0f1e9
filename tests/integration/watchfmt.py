#!/usr/bin/env python3
"""pktscope watch's text against tcpdump's, packet by packet.

  watchfmt.py strip PKTSCOPE_OUT     tcpdump's text from pktscope's
  watchfmt.py compare TCPDUMP_OUT PKTSCOPE_OUT [--apart N,..] [--ignore N,..] [--no-time]
                      [--valid VERDICTS --min N]
  watchfmt.py summary TCPDUMP_OUT PKTSCOPE_OUT

A packet is the lines from one starting with a time stamp (HH:MM:SS.uuuuuu)
to the next.  'strip' removes what pktscope adds to tcpdump's text (the
README's rule):
  - after the time stamp, "IFACE In|Out " (the direction padded to three
    letters), "(hook) " with -v, and "vlan " or "vlan (qinq) " without -e;
  - at the end of the description, the first line of the packet ending in
    it: ", N bytes" and the marks after it (" [frag]", " [ttl low]" ...).
'compare' strips pktscope's output, cuts off tcpdump's decoding of TCP
payloads by port (": HTTP" after "length N": pktscope stops at the length),
and compares each packet's whole text.  Packets numbered in --apart (from 1)
are the ones pktscope is known not to print as tcpdump (protocols it does
not decode): they must differ.  --ignore leaves packets out (frames cut
short, where they may or may not).  --valid names a file with one line per
packet, "ok" where the datapath found it valid: the others, and those
pktscope printed its own summary of, are left out, and at least --min
packets must be compared.  --no-time compares the packets without
time stamps, in any order (live: each tool has its own clock).
'summary' checks pktscope's line without frame bytes: ARP lines equal
tcpdump's, ICMP/ICMPv6 lengths too.  Prints TSV "ok|bad <tab> what <tab>
detail" lines.  Only the standard library.
"""
import re
import sys

TS = re.compile(r"^\d\d:\d\d:\d\d\.\d{6} ")
PREFIX = re.compile(r"^(\d\d:\d\d:\d\d\.\d{6} )\S+ (?:In |Out) (?:\((?:xdp|tc|socket)\) )?(?:vlan (?:\(qinq\) )?)?")
SUFFIX = re.compile(r", \d+ bytes(?: \[[^\]]*\])*$")
# pktscope's own summary, after the strip: an IP line ends with its TTL,
# other frames name only their EtherType.
SUMMARY = re.compile(r"(, (?:ttl|hlim) \d+|ethertype 0x[0-9a-f]{4}|: frame|ARP|IP6?)$")
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


def summary(td, ps):
    """Without frame bytes: ARP lines are tcpdump's, ICMP lengths too."""
    arp = re.compile(r"^(\S+ )(ARP, (?:Request|Reply) .*)$")
    icmp = re.compile(r" ICMP6?,? .*length (\d+)$")
    res, n_arp, n_icmp, bad = [], 0, 0, []
    for n, (t, p) in enumerate(zip(td, ps), 1):
        m = arp.match(t[0])
        if m:
            n_arp += 1
            if p[0] != t[0]:
                bad.append("packet %d: tcpdump %r, pktscope %r" % (n, t[0], p[0]))
            continue
        m = icmp.search(t[0])
        if m:
            n_icmp += 1
            q = re.search(r"length (\d+), (?:ttl|hlim) \d+$", p[0])
            if not q or q.group(1) != m.group(1):
                bad.append("packet %d: tcpdump %r, pktscope %r" % (n, t[0], p[0]))
    what = "ARP lines (%d) as tcpdump's, ICMP lengths (%d) as tcpdump's" % (n_arp, n_icmp)
    if bad:
        res.append(("bad", what, "%d differ; first: %s" % (len(bad), "\n".join(bad[:5]))))
    elif not n_arp or not n_icmp:
        res.append(("bad", what, "the file has no ARP or no ICMP packet"))
    else:
        res.append(("ok", what, ""))
    return res


def main():
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == "strip":
        for p in packets(open(args[1]).read()):
            print("\n".join(strip(p)))
        return 0
    if len(args) < 3 or args[0] not in ("compare", "summary"):
        print(__doc__, file=sys.stderr)
        return 2
    opts = {"--apart": "", "--ignore": "", "--valid": "", "--min": "0"}
    flags = set()
    i = 3
    while i < len(args):
        if args[i] in opts:
            opts[args[i]] = args[i + 1]
            i += 2
        else:
            flags.add(args[i])
            i += 1
    td = packets(open(args[1]).read())
    ps = [strip(p) for p in packets(open(args[2]).read())]
    if "--no-time" in flags:
        # Live: each tool's own time stamps; the order of packets crossing
        # in both directions at once may differ.
        td = sorted([TS.sub("", p[0], count=1)] + p[1:] for p in td)
        ps = sorted([TS.sub("", p[0], count=1)] + p[1:] for p in ps)
    res = []
    if len(td) != len(ps):
        res.append(("bad", "as many packets as tcpdump", "tcpdump %d, pktscope %d" % (len(td), len(ps))))
    else:
        res.append(("ok", "as many packets as tcpdump (%d)" % len(td), ""))
    ignore = {int(x) for x in opts["--ignore"].split(",") if x}
    if opts["--valid"]:
        # Random frames: those the datapath found malformed, and those
        # pktscope printed its summary of (what it does not decode), are
        # not compared; at least --min of them must be.
        verdicts = [l.strip() for l in open(opts["--valid"])]
        for n, p in enumerate(ps, 1):
            if n > len(verdicts) or verdicts[n - 1] != "ok" or SUMMARY.search(p[0]):
                ignore.add(n)
        n = len(ps) - len(ignore)
        res.append(("ok" if n >= int(opts["--min"]) else "bad",
                    "at least %s packets printed as tcpdump (%d)" % (opts["--min"], n), ""))
    if args[0] == "summary":
        res += summary(td, ps)
    else:
        res += compare(td, ps, {int(x) for x in opts["--apart"].split(",") if x}, ignore)
    for r in res:
        print("\t".join((r[0], r[1], r[2].replace("\t", "\\t").replace("\n", "\\n"))))
    return 0


def compare(td, ps, apart, ignore):
    res = []
    same, diff, cuts, apart_same = 0, [], 0, []
    for n, (t, p) in enumerate(zip(td, ps), 1):
        t, cut = cut_app(t)
        if n in ignore:
            continue
        if n in apart:
            if t == p:
                apart_same.append(n)
            continue
        cuts += cut
        if t == p:
            same += 1
        else:
            diff.append("packet %d:\n  tcpdump:  %s\n  pktscope: %s" % (n, "\n            ".join(t), "\n            ".join(p)))
    n = len(td) - len(apart | ignore)
    what = "each packet's text is tcpdump's (%d compared, %d with tcpdump's payload decoding cut)" % (n, cuts)
    if diff:
        res.append(("bad", what, "%d differ; first: %s" % (len(diff), "\n".join(diff[:5]))))
    elif not n:
        res.append(("bad", what, "no packet compared"))
    else:
        res.append(("ok", what, ""))
    if apart_same:
        res.append(("bad", "the %d packets known to print apart do differ" % len(apart), "same as tcpdump: %s" % apart_same))
    elif apart:
        res.append(("ok", "the %d packets known to print apart do differ" % len(apart), ""))
    return res


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# pcap-filter expressions in the kernel keep exactly the packets tcpdump keeps.
#
#  1. a table of expressions (ports, hosts, nets, protocols, IPv6, VLAN,
#     TCP flags, byte offsets, indirect loads, loads past the packet end,
#     arithmetic, lengths, Ethernet addresses, ICMP types, and/or/not, two
#     that match everything), each accepted by libpcap (`tcpdump -d`), and
#     each keeping some of the traffic (else its exactness checks would hold
#     for a filter that drops everything), but for the negative cases,
#     declared in NEGATIVE beside a positive case of the same shape;
#  2. offline: over a file of crafted frames (valid and malformed), two
#     seeded 3000-packet mixes and a few broadcast/multicast copies,
#     `pktscope capture -r IN -w OUT EXPR` at --hook xdp and at --hook tc
#     writes exactly the records `tcpdump -r IN -w REF EXPR` writes (time,
#     length and bytes, in order), every frame included: those a bare test
#     run refuses (under 14 bytes; at TC over a page, IP shorter than its
#     header) run padded or cut, with libpcap's verdict on the record;
#  3. live over the veth pair, --hook xdp and --hook tc, for the
#     expressions marked "*" (LIVE_ALL=1: all): a mix and the crafted frames
#     replayed into veth-a with tcpreplay; in B, `pktscope capture -i veth-b
#     EXPR`, `tcpdump -i veth-b EXPR` and an unfiltered tcpdump at the same
#     time: pktscope holds exactly the frames `tcpdump -i veth-b EXPR`
#     holds, outer VLAN tags included (live, Linux has taken them out of the
#     frame before tcpdump's filter sees it: see live_one), and every
#     replayed frame crossed;
#  4. expressions libpcap rejects: exit 2, one line with libpcap's own
#     message (as tcpdump prints it), nothing attached, no file written;
#  5. `watch -r IN --json EXPR` prints exactly the packets (time, length,
#     order) `tcpdump -r IN EXPR` prints.
# A mismatch names the expression and the first packet the two disagree on.
. "$(dirname "$0")/lib.sh"

require_root
require_tools jq tcpdump tcpreplay mergecap nsenter "$PY"
require_pktscope
MKPCAP=$BUILD_DIR/tools/mkpcap
[ -x "$MKPCAP" ] || bail "mkpcap is built at $MKPCAP (run make tests)"
setup_pair
T_START=$SECONDS
W=0

# ------------------------------------------------- 1. the table

# One expression a line; all accepted by libpcap 1.10.  The crafted frames
# and the mixes use 02:00:00:00:00:01 -> :02, 10.0.0.1 -> 10.0.0.2 and
# fd00::1 -> fd00::2 (the mixes vary the last byte of each address), TCP to
# 80/443 from 50000-59999, UDP to 40000-40999, 802.1Q tags with random IDs
# (the crafted frames: IDs 10, 20, 100 and TPIDs 0x8100, 0x88a8, 0x9100),
# payloads "abcd...".
mapfile -t EXPRS <<'EOF'
* tcp port 80
udp dst port 53
* udp dst portrange 40000-40499
portrange 33434-33534
port 443 or port 80
tcp src portrange 50000-54999 and tcp dst port 443
* host 10.0.0.1
src host 10.0.0.7
dst host 10.0.0.2
host fd00::1
src host fd00::5
ip6 dst host fd00::2
net 10.0.0.0/8
* src net 10.0.0.0/8 and not icmp
dst net fd00::/64
dst net 10.0.0.0/28 or src net 10.0.0.128/25
tcp
udp
icmp
icmp6
* arp
ip
ip6
ip proto 47
ip proto 253
ip6 proto 17
* ip6 protochain 6
ip6 protochain 17
* vlan
* vlan and udp
* vlan 10
* vlan and vlan
* vlan 100 and vlan 10 and tcp
ip6 and not vlan
tcp[tcpflags] & tcp-syn != 0
tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn
tcp[13] = 0
tcp[tcpflags] & (tcp-fin|tcp-rst) != 0
* ip6[6] = 6 and ip6[53] & 2 != 0
ip[8] < 5
udp[8:2] = 0x1234
udp[8:2] = 0x6162
* ether[12:2] = 0x88b5
ip[6:2] & 0x1fff != 0
ip[0] & 0xf != 5
* tcp[((tcp[12] & 0xf0) >> 2):2] = 0x6162
* ether[len - 1] = 0x61
* ip[100:4] = ip[100:4]
ether[8000:4] != 0
len > 4000 and ether[4096:2] = ether[4096:2]
* ip[2:2] / (ip[9] - 6) > 0
* len % 7 = 3
(ip[2:2] << 2) ^ 0xffff > 0xfe00
* greater 200
less 64
len > 1000
len = 60
* ether host 02:00:00:00:00:01
* ether broadcast
ether multicast
ether proto 0x88b5
ether src 02:00:00:00:00:01 and ether dst 02:00:00:00:00:02
ether[12:2] < 1536
icmp[icmptype] = icmp-echo
icmp6 and ip6[40] = 128
icmp6[icmp6type] = icmp6-echo
* (tcp or udp) and not (port 80 or port 443)
not (ip or ip6 or arp)
(ip and tcp) or (ip6 and udp)
not tcp and not udp and ip
tcp and (src host 10.0.0.1 or dst net 10.0.0.0/30)
* host 192.0.2.99
* host 192.0.2.98
ether[1000:4] != 0
* len >= 0
ether[0] = ether[0]
EOF
# The expressions that keep nothing of a hook's input on purpose, with
# where ("xdp tc live") and the positive case beside them.
declare -A NEGATIVE=(
	["host 192.0.2.99"]="xdp tc live" # no such host; 'host 192.0.2.98' keeps a frame
)
# A leading "* " marks the expressions also run live (part 3).
declare -A LIVE_SEL=()
for i in "${!EXPRS[@]}"; do
	if [[ ${EXPRS[i]} == '* '* ]]; then
		EXPRS[i]=${EXPRS[i]#\* }
		LIVE_SEL[$i]=1
	fi
done
N_EXPRS=${#EXPRS[@]}

bad=()
for e in "${EXPRS[@]}"; do
	tcpdump -d "$e" >/dev/null 2>"$TMPD/d.err" ||
		bad+=("'$e': $(grep -v '^Warning: assuming Ethernet$' "$TMPD/d.err")")
done
check_eq "table: $N_EXPRS expressions (>= 45), each accepted by libpcap (tcpdump -d)" \
	"" "$(printf '%s\n' "${bad[@]}" | grep .)"
[ "$N_EXPRS" -ge 45 ] || nok "table: at least 45 expressions (got $N_EXPRS)"

# ------------------------------------------------- helpers

# Reads pcap files (micro- or nanosecond, either byte order), no other tool.
cat >"$TMPD/pcapx.py" <<'PYEOF'
import datetime, struct, sys

MAGIC = {b"\xd4\xc3\xb2\xa1": ("<", 1000), b"\xa1\xb2\xc3\xd4": (">", 1000),
         b"\x4d\x3c\xb2\xa1": ("<", 1), b"\xa1\xb2\x3c\x4d": (">", 1)}

def records(path):
    """[(time_ns, wire_len, bytes)] of a pcap file."""
    d = open(path, "rb").read()
    if d[:4] not in MAGIC or len(d) < 24:
        sys.exit("%s: not a pcap file (%d bytes, magic %s)" % (path, len(d), d[:4].hex()))
    e, mul = MAGIC[d[:4]]
    out, off = [], 24
    while off < len(d):
        if off + 16 > len(d):
            sys.exit("%s: record header cut at byte %d" % (path, off))
        s, f, cap, wire = struct.unpack_from(e + "IIII", d, off)
        off += 16
        if off + cap > len(d):
            sys.exit("%s: record data cut at byte %d" % (path, off))
        out.append((s * 1000000000 + f * mul, wire, d[off:off + cap]))
        off += cap
    return out

def write(path, recs):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 262144, 1))
        for t, wire, data in recs:
            f.write(struct.pack("<IIII", t // 1000000000, t % 1000000000, len(data), wire))
            f.write(data)

def show(rec, names):
    t, wire, data = rec
    what = names().get(data)
    return "%s%d bytes: %s%s" % (what + ", " if what else "", wire, data[:48].hex(),
                                 "..." if len(data) > 48 else "")

def load_names(args):
    """NAME=FILE.pcap[:LABELS]: each record's name, for the diagnostics
    (read when first needed)."""
    cache = []
    return lambda: cache[0] if cache else cache.append(read_names(args)) or cache[0]

def read_names(args):
    names = {}
    for a in args:
        label, spec = a.split("=", 1)
        path, _, lst = spec.partition(":")
        labels = open(lst).read().split() if lst else []
        for i, r in enumerate(records(path)):
            names.setdefault(r[2], labels[i] if i < len(labels) else "%s #%d" % (label, i + 1))
    return names

def cmp_offline(inp, jobs, names):
    """One line per job (label, tcpdump's file, pktscope's file): both files
    must be the same subsequence of the input.  Otherwise the first input
    packet their verdicts differ on."""
    src = records(inp)
    for line in open(jobs):
        label, ref_p, out_p = line.rstrip("\n").split("\t")
        ref, out = records(ref_p), records(out_p)
        if ref == out:
            print("ok\t%s\t%d of %d packets" % (label, len(ref), len(src)))
            continue
        detail, i, j = None, 0, 0
        for k, r in enumerate(src):
            kr = i < len(ref) and ref[i] == r
            ko = j < len(out) and out[j] == r
            i += kr
            j += ko
            if kr != ko:
                detail = "input packet #%d (%s): tcpdump %s it, pktscope %s it" % (
                    k + 1, show(r, names), "keeps" if kr else "drops", "keeps" if ko else "drops")
                break
        if detail is None:
            detail = "same verdicts up to the end, yet different records: tcpdump's #%d %s, pktscope's #%d %s" % (
                i + 1, show(ref[i], names) if i < len(ref) else "(none)",
                j + 1, show(out[j], names) if j < len(out) else "(none)")
        print("bad\t%s\t%d packets kept by tcpdump, %d by pktscope; first difference: %s" % (
            label, len(ref), len(out), detail))

def cmp_live(ref_p, out_p, names):
    """The same frames (length, bytes) in both, in any order."""
    ref = sorted((w, d) for _, w, d in records(ref_p))
    out = sorted((w, d) for _, w, d in records(out_p))
    if ref == out:
        return "ok\t%d frames" % len(ref)
    only_r = list(ref)
    only_o = []
    for x in out:
        try:
            only_r.remove(x)
        except ValueError:
            only_o.append(x)
    msg = ["tcpdump %d frames, pktscope %d" % (len(ref), len(out))]
    for who, lst in (("only tcpdump's", only_r), ("only pktscope's", only_o)):
        if lst:
            msg.append("%s (%d), first: %s" % (who, len(lst), show((0,) + lst[0], names)))
    return "bad\t" + "; ".join(msg)

cmd = sys.argv[1]
if cmd == "count":
    print(len(records(sys.argv[2])))
elif cmd == "counts":  # FILE...: one count a line
    for p in sys.argv[2:]:
        print(len(records(p)))
elif cmd == "times":  # "time length" per record, as watch --json writes them
    for t, wire, _ in records(sys.argv[2]):
        s = datetime.datetime.fromtimestamp(t // 1000000000, datetime.timezone.utc)
        print("%s.%09dZ %d" % (s.strftime("%Y-%m-%dT%H:%M:%S"), t % 1000000000, wire))
elif cmd == "cmp":  # IN JOBS [NAME=FILE[:LABELS]...]
    cmp_offline(sys.argv[2], sys.argv[3], load_names(sys.argv[4:]))
elif cmd == "liverun":  # SENT ALL REF OUT FILE [NAME=FILE[:LABELS]...]: one run's
    # comparisons: what was sent / the unfiltered capture, tcpdump's / pktscope's,
    # tcpdump's / tcpdump -r's over the unfiltered capture, the latter / pktscope's
    sent, all_, ref, out, file_ = sys.argv[2:7]
    names = load_names(sys.argv[7:])
    for what, a, b in (("crossed", sent, all_), ("main", ref, out), ("file", ref, file_), ("fileout", file_, out)):
        print(what + "\t" + cmp_live(a, b, names))
elif cmd == "keepers":  # OUT: frames for the expressions nothing else in
    # the corpus matches (GRE, DNS, a UDP payload, another host)
    def ip4(src, dst, proto, payload):
        h = bytearray(struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
                                  bytes(map(int, src.split("."))), bytes(map(int, dst.split(".")))))
        c = sum(struct.unpack(">10H", h))
        c = (c & 0xffff) + (c >> 16)
        struct.pack_into(">H", h, 10, ~((c & 0xffff) + (c >> 16)) & 0xffff)
        f = bytes.fromhex("020000000002020000000001") + b"\x08\x00" + bytes(h) + payload
        return f + bytes(max(0, 60 - len(f)))
    def udp(sport, dport, data):
        return struct.pack(">HHHH", sport, dport, 8 + len(data), 0) + data
    frames = [
        ip4("10.0.0.1", "10.0.0.2", 47, bytes.fromhex("00000800") + b"abcdefgh"),  # GRE
        ip4("10.0.0.1", "10.0.0.2", 17, udp(40053, 53, bytes.fromhex("1234010000010000") + b"abcd")),
        ip4("10.0.0.1", "10.0.0.2", 17, udp(40001, 40002, bytes.fromhex("1234") + b"abcdef")),
        ip4("192.0.2.98", "10.0.0.2", 17, udp(40003, 40004, b"abcdefgh")),
    ]
    write(sys.argv[2], [(1700002000000000000 + i * 1000000, len(f), f) for i, f in enumerate(frames)])
elif cmd == "dstcopies":  # IN OUT: copies of IN's frames to broadcast,
    # IPv4 and IPv6 multicast and another source address, a millisecond apart
    macs = [bytes.fromhex(m) for m in ("ffffffffffff", "01005e7f0001", "333300000016")]
    out = []
    for i, (t, w, d) in enumerate(r for r in records(sys.argv[2]) if len(r[2]) >= 14):
        d = macs[i % 4] + d[6:] if i % 4 < 3 else d[:6] + bytes.fromhex("020000000009") + d[12:]
        out.append((1700001000000000000 + i * 1000000, w, d))
    write(sys.argv[3], out)
else:
    sys.exit("pcapx: unknown command " + cmd)
PYEOF
pcapx() { "$PY" "$TMPD/pcapx.py" "$@"; }

# Turns "ok|bad<TAB>label<TAB>detail" lines into checks.
tap_lines() { # prefix, file
	local v label detail
	while IFS=$'\t' read -r v label detail; do
		if [ "$v" = ok ]; then
			ok "$1 $label ($detail)"
		else
			nok "$1 $label"
			diag "$detail"
		fi
	done <"$2"
}

# tcpdump over a file, nanosecond records out (the input's own precision).
tcpdump_filter() { # in, out, expression
	tcpdump -n --time-stamp-precision=nano -r "$1" -w "$2" "$3" 2>"$2.err"
}

# ------------------------------------------------- 2. the corpus, offline

C=$TMPD/corpus
mkdir -p "$C"
"$MKPCAP" "$C/crafted.pcap" >/dev/null || bail "mkpcap writes every crafted frame"
"$MKPCAP" --list | awk '{ print $1 }' >"$C/crafted.names"
"$MKPCAP" --valid "$C/valid.pcap" >/dev/null || bail "mkpcap --valid"
"$MKPCAP" --mix 3000 --seed 11 "$C/mix11.pcap" >/dev/null || bail "mkpcap --mix 3000 --seed 11"
"$MKPCAP" --mix 3000 --seed 12 "$C/mix12.pcap" >/dev/null || bail "mkpcap --mix 3000 --seed 12"
pcapx dstcopies "$C/valid.pcap" "$C/copies.pcap" || bail "broadcast/multicast copies of the crafted frames"
pcapx keepers "$C/keepers.pcap" || bail "the frames some expressions keep alone"
NAMES=("crafted=$C/crafted.pcap:$C/crafted.names" "mix seed 11=$C/mix11.pcap"
	"mix seed 12=$C/mix12.pcap" "copy of a crafted frame=$C/copies.pcap" "keeper=$C/keepers.pcap")

RAW=$C/raw.pcap # everything, the frames under 14 bytes too
mergecap -a -F nsecpcap -w "$RAW" "$C/crafted.pcap" "$C/mix11.pcap" "$C/mix12.pcap" "$C/copies.pcap" \
	"$C/keepers.pcap" || bail "mergecap joins the corpus"
# Every frame runs at both hooks: the ones a bare test run refuses (under
# 14 bytes; at TC over a page, or IPv4/IPv6 shorter than the fixed header)
# are run padded or cut, their expression decided by libpcap's interpreter
# on the record as the file holds it.  The comparison is over all of them.
XIN=$RAW
TIN=$RAW
N_RAW=$(pcapx count "$RAW")
diag "corpus: $N_RAW frames, $(tcpdump -r "$RAW" 'len < 14' 2>/dev/null | wc -l) under 14 bytes, $(tcpdump -r "$RAW" 'len > 3000' 2>/dev/null | wc -l) over 3000"

# Every frame is written, none left unrun.
for hook in xdp tc; do
	ps_run raw-$hook "$NS_B" capture -r "$RAW" -w "$TMPD/raw-$hook.pcap" --hook $hook --json 'len >= 0'
	check_eq "raw corpus, --hook $hook: exit 0, not_run 0, written $N_RAW" \
		"0 0 $N_RAW" \
		"${RC[raw-$hook]} $(jq -r 'select(.type == "summary") | "\(.not_run) \(.written)"' "$TMPD/raw-$hook.out" 2>&1)"
done
printf 'all, --hook xdp\t%s\t%s\n' "$XIN" "$TMPD/raw-xdp.pcap" >"$TMPD/raw-xdp.jobs"
printf 'all, --hook tc\t%s\t%s\n' "$TIN" "$TMPD/raw-tc.pcap" >"$TMPD/raw-tc.jobs"
pcapx cmp "$RAW" "$TMPD/raw-xdp.jobs" "${NAMES[@]}" >"$TMPD/raw-xdp.res" 2>&1
pcapx cmp "$RAW" "$TMPD/raw-tc.jobs" "${NAMES[@]}" >"$TMPD/raw-tc.res" 2>&1
tap_lines "raw corpus 'len >= 0': every frame written whole:" "$TMPD/raw-xdp.res"
tap_lines "raw corpus 'len >= 0': every frame written whole:" "$TMPD/raw-tc.res"

# Each expression at both hooks, two pktscope runs at a time.
hook_in() { if [ "$1" = tc ]; then echo "$TIN"; else echo "$XIN"; fi; }
O=$TMPD/off
mkdir -p "$O"
off_run() { # i, hook, input: $O/i.hook.{pcap,err,rc}
	local e=${EXPRS[$1]}
	timeout -k 5 60 "$PKTSCOPE" capture -r "$3" -w "$O/$1.$2.pcap" --hook "$2" "$e" \
		>/dev/null 2>"$O/$1.$2.err" </dev/null
	echo $? >"$O/$1.$2.rc"
}
: >"$O/xdp.jobs"
: >"$O/tc.jobs"
for i in "${!EXPRS[@]}"; do
	e=${EXPRS[i]}
	off_run "$i" xdp "$XIN" &
	off_run "$i" tc "$TIN" &
	tcpdump_filter "$XIN" "$O/$i.xdp.ref" "$e" || diag "tcpdump -r '$e' fails: $(cat "$O/$i.xdp.ref.err")"
	tcpdump_filter "$TIN" "$O/$i.tc.ref" "$e" || diag "tcpdump -r '$e' fails: $(cat "$O/$i.tc.ref.err")"
	wait
	for hook in xdp tc; do
		rc=$(cat "$O/$i.$hook.rc")
		# Every frame runs: nothing is reported not run.
		if [ "$rc" != 0 ] || grep -q 'not run' "$O/$i.$hook.err"; then
			nok "offline --hook $hook '$e': capture -r exits 0, every frame run"
			diag "exit $rc; stderr: $(head -c 600 "$O/$i.$hook.err")"
			# A refused load: the verifier's last word, from its log (-vv).
			grep -q 'refused' "$O/$i.$hook.err" &&
				diag "verifier: $("$PKTSCOPE" capture -r "$(hook_in "$hook")" -w "$O/vlog.pcap" --hook "$hook" -vv "$e" 2>&1 |
					awk '/^processed [0-9]+ insns/ { print prev } { prev = $0 }' | head -1)"
			continue
		fi
		printf "'%s'\t%s\t%s\n" "$e" "$O/$i.$hook.ref" "$O/$i.$hook.pcap" >>"$O/$hook.jobs"
	done
done
pcapx cmp "$XIN" "$O/xdp.jobs" "${NAMES[@]}" >"$O/xdp.res" 2>&1 || { nok "offline --hook xdp: comparison"; diag "$(cat "$O/xdp.res")"; }
pcapx cmp "$TIN" "$O/tc.jobs" "${NAMES[@]}" >"$O/tc.res" 2>&1 || { nok "offline --hook tc: comparison"; diag "$(cat "$O/tc.res")"; }
tap_lines "offline --hook xdp: capture -r keeps what tcpdump -r keeps, byte for byte:" "$O/xdp.res"
tap_lines "offline --hook tc: capture -r keeps what tcpdump -r keeps, byte for byte:" "$O/tc.res"

# An expression that keeps nothing would pass its comparison above with a
# filter that drops everything: each keeps some of each hook's input, but
# the negative cases, which keep none (beside their positive ones).
is_negative() { [[ " ${NEGATIVE[$1]:-} " == *" $2 "* ]]; } # expression, xdp|tc|live
bad=()
for e in "${!NEGATIVE[@]}"; do
	printf '%s\n' "${EXPRS[@]}" | grep -qxF -- "$e" || bad+=("'$e'")
done
check_eq "table: each negative case is an expression of the table" "" "${bad[*]}"
for hook in xdp tc; do
	mapfile -t kept < <(for i in "${!EXPRS[@]}"; do echo "$O/$i.$hook.ref"; done | xargs "$PY" "$TMPD/pcapx.py" counts 2>&1)
	vac=() neg=()
	for i in "${!EXPRS[@]}"; do
		e=${EXPRS[i]}
		if is_negative "$e" "$hook"; then
			[ "${kept[i]:-}" = 0 ] || neg+=("'$e' keeps ${kept[i]:-?}")
		elif ! [ "${kept[i]:-0}" -gt 0 ] 2>/dev/null; then
			vac+=("'$e' (${kept[i]:-?})")
		fi
	done
	check_eq "offline --hook $hook: every expression keeps some of the input (tcpdump -r), the checks above can fail" "" "${vac[*]}"
	check_eq "offline --hook $hook: the negative cases keep nothing" "" "${neg[*]}"
done
diag "offline: $((SECONDS - T_START)) s so far"

# ------------------------------------------------- 3. live over veth

gro_off "$NS_B" "$IF_B" || setup_failed "could not turn GRO off on $IF_B"

# A mix, the valid crafted frames and their broadcast/multicast copies, all
# that fit the veth MTU.  None is for B (destination MAC 02:00:00:00:00:02,
# broadcast or multicast to addresses B does not have; IPv6 off in B): B
# answers nothing, so what crosses the link is what is replayed.
LIVE=$C/live.pcap
mergecap -a -F nsecpcap -w "$C/live-all.pcap" "$C/mix11.pcap" "$C/valid.pcap" "$C/copies.pcap" \
	"$C/keepers.pcap" || bail "mergecap joins the live corpus"
tcpdump_filter "$C/live-all.pcap" "$LIVE" 'len <= 1514' || bail "tcpdump selects the frames that fit the MTU"
N_LIVE=$(pcapx count "$LIVE")
LIVE_PPS=${LIVE_PPS:-20000}

# Stops background processes together: one pause for what is in flight,
# SIGINT to all, then a bounded wait for each (SIGKILL if it hangs).
stop_together() { # name...
	local n
	sleep 0.3 # immediate mode and a 100 ms poll: what is queued is handed over
	for n; do _is_child "${PID[$n]}" && kill -s INT "${PID[$n]}" 2>/dev/null; done
	for n; do bg_wait "$n" || kill9 "$n"; done
}
# tcpdump wrote every packet its filter kept (a filter the kernel refuses,
# such as protochain's backward jumps, runs in tcpdump: then "received by
# filter" counts every packet and only "dropped by kernel" tells).
tcpdump_whole() { # name
	local f=$TMPD/$1.err cap rec drop
	cap=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' "$f")
	rec=$(sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter.*/\1/p' "$f")
	drop=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$f")
	[ -n "$cap" ] && [ "$drop" = 0 ] && { [ "$cap" = "$rec" ] || grep -q 'Kernel filter failed' "$f"; }
}

# The reference is the live `tcpdump -i veth-b EXPR` beside pktscope: the
# same frames, byte for byte (as both write them, any outer VLAN tag back
# in place).  Note that what tcpdump keeps live is not always what
# `tcpdump -r` keeps of the same frames: Linux takes an outer 802.1Q/
# 802.1ad tag out of the frame into skb metadata before AF_PACKET's filter
# (and TC ingress) see it, and libpcap's live code adjusts only the `vlan`
# keyword for that (live, `udp` keeps tagged UDP, `greater 200` counts a
# tagged frame 4 bytes short).  An unfiltered tcpdump of the same run shows
# that every replayed frame crossed, and, through `tcpdump -r`, for which
# expressions the two differ (a diagnostic: pktscope is held to live
# tcpdump).
LIVE_TAGGED_DIFF=()
declare -A LIVE_KEPT=() # hook:index -> frames tcpdump -i kept
# Both tcpdumps take -s 4096 (every frame whole): live, libpcap's ring has
# snap-length slots, and -s 0 would leave 32 MiB only about 128 of them.
live_one() { # hook, expression index
	local hook=$1 e=${EXPRS[$2]} name=live-$1-$2 out res n
	local d="live --hook $1 '${EXPRS[$2]}'"
	out=$TMPD/$name.pcap
	bg_start "$name-all" nsenter --net="/run/netns/$NS_B" -- tcpdump -i "$IF_B" -p -n -U --immediate-mode \
		-B 32768 -s 4096 -Z root --time-stamp-precision=nano -w "$TMPD/$name-all.pcap"
	bg_start "$name-ref" nsenter --net="/run/netns/$NS_B" -- tcpdump -i "$IF_B" -p -n -U --immediate-mode \
		-B 32768 -s 4096 -Z root -w "$TMPD/$name-ref.pcap" "$e"
	if ! ps_start_cmd "$name" "$NS_B" capture -i "$IF_B" -w "$out" --hook "$hook" -B 65536 --json "$e"; then
		nok "$d: pktscope capture -i $IF_B starts"
		stop_together "$name" "$name-all" "$name-ref"
		return
	fi
	for n in "$name-all" "$name-ref"; do
		wait_line "$TMPD/$n.err" '^(tcpdump: )?listening on' "${PID[$n]}" ||
			{ nok "$d: tcpdump ($n) starts"; diag "$(cat "$TMPD/$n.err")"; stop_together "$name" "$name-all" "$name-ref"; return; }
	done
	res=$(in_ns "$NS_A" tcpreplay -i "$IF_A" --pps "$LIVE_PPS" "$LIVE" 2>&1)
	[ "$(sed -n 's/^[[:space:]]*Successful packets:[[:space:]]*\([0-9]*\).*/\1/p' <<<"$res")" = "$N_LIVE" ] ||
		{ nok "$d: tcpreplay sends the $N_LIVE frames into $IF_A"; diag "$res"; }
	stop_together "$name" "$name-all" "$name-ref"
	for n in "$name-all" "$name-ref"; do
		tcpdump_whole "$n" || { nok "$d: tcpdump ($n) wrote every packet it kept"; diag "$(tr '\n' ' ' <"$TMPD/$n.err")"; }
	done
	if [ "${RC[$name]}" != 0 ] || [ ! -s "$out" ]; then
		nok "$d: capture exits 0 after SIGINT and writes its file"
		diag "exit ${RC[$name]}; stderr: $(head -c 600 "$TMPD/$name.err")"
		return
	fi
	# tcpdump's own filter over the frames as written, for the diagnostics.
	tcpdump_filter "$TMPD/$name-all.pcap" "$TMPD/$name.file" "$e"
	pcapx liverun "$LIVE" "$TMPD/$name-all.pcap" "$TMPD/$name-ref.pcap" "$out" "$TMPD/$name.file" \
		"${NAMES[@]}" >"$TMPD/$name.cmp" 2>&1
	local none=$'bad\t(no comparison)'
	declare -A cmp=([crossed]=$none [main]=$none [file]=$none [fileout]=$none)
	while IFS=$'\t' read -r n res; do cmp[$n]=$res; done <"$TMPD/$name.cmp"
	# Nothing but the replayed frames crossed, and every one did.
	[ "${cmp[crossed]%%$'\t'*}" = ok ] ||
		{ nok "$d: every replayed frame reached $IF_B, nothing else (unfiltered tcpdump)"; diag "${cmp[crossed]#*$'\t'}"; }
	res=${cmp[main]}
	if [ "${res%%$'\t'*}" = ok ]; then
		ok "$d: the frames tcpdump -i $IF_B keeps, byte for byte (${res#*$'\t'})"
	else
		nok "$d: the frames tcpdump -i $IF_B keeps, byte for byte"
		diag "${res#*$'\t'}"
		[ "${cmp[fileout]%%$'\t'*}" = ok ] &&
			diag "pktscope keeps what tcpdump -r keeps of the same frames: not what tcpdump keeps live"
		[ "${cmp[main]}" = "$none" ] && diag "pcapx: $(head -c 300 "$TMPD/$name.cmp")"
	fi
	[ "${cmp[file]%%$'\t'*}" = ok ] || LIVE_TAGGED_DIFF+=("'$e'")
	LIVE_KEPT[$hook:$2]=$(pcapx count "$TMPD/$name-ref.pcap" 2>&1)
}

# Marked "*" in the table: run live at both hooks (LIVE_ALL=1: every one).
for hook in xdp tc; do
	for i in "${!EXPRS[@]}"; do
		[ -n "${LIVE_ALL:-}" ] || [ -n "${LIVE_SEL[$i]:-}" ] || continue
		[ -n "${LIVE_SKIP:-}" ] && continue # (development: offline parts only)
		live_one "$hook" "$i"
	done
	diag "live --hook $hook: $((SECONDS - T_START)) s so far"
	vac=() neg=()
	for k in "${!LIVE_KEPT[@]}"; do
		[ "${k%%:*}" = "$hook" ] || continue
		e=${EXPRS[${k#*:}]} n=${LIVE_KEPT[$k]}
		if is_negative "$e" live; then
			[ "$n" = 0 ] || neg+=("'$e' keeps $n")
		elif ! [ "$n" -gt 0 ] 2>/dev/null; then
			vac+=("'$e' ($n)")
		fi
	done
	[ ${#LIVE_KEPT[@]} -eq 0 ] && continue # LIVE_SKIP
	check_eq "live --hook $hook: every expression run keeps some of the replayed frames (tcpdump -i)" "" "${vac[*]}"
	check_eq "live --hook $hook: the negative cases keep nothing" "" "${neg[*]}"
done
[ ${#LIVE_TAGGED_DIFF[@]} -eq 0 ] ||
	diag "live: tcpdump -i keeps otherwise than tcpdump -r over the same frames (outer VLAN tag stripped live) for: $(printf '%s\n' "${LIVE_TAGGED_DIFF[@]}" | sort -u | paste -sd' ')"

# ------------------------------------------------- 4. expressions libpcap rejects

# libpcap's message, as tcpdump prints it, is the one pktscope must print.
mapfile -t REJECTED <<'EOF'
tcp port
ip6 and tcp[tcpflags] & tcp-syn != 0
foo
(tcp
tcp and udp
vlan 5000
port 70000
net 10.0.0.1/8
net fd00::/129
ether host 02:00:00:00:00
ip[0:3] = 1
len / 0 = 1
EOF
R=$TMPD/rejected
mkdir -p "$R"
rej_case() { # label, description, expected stderr, file that must not appear ("" for none), pktscope arguments...
	local label=$1 d=$2 want=$3 file=$4 got
	shift 4
	ps_run "$label" "$NS_B" "$@"
	check_eq "$d: exit status 2" 2 "${RC[$label]}"
	check_eq "$d: one stderr line, libpcap's message" "$want" "$(cat "$TMPD/$label.err")"
	got="stdout: $(head -c 200 "$TMPD/$label.out" | tr '\n' ' ')"
	got+="; attached: $(attached "$NS_B" "$IF_B" | tr '\n' ' ')"
	[ -n "$file" ] && [ -e "$file" ] && got+="; file $(basename "$file") exists"
	check_eq "$d: nothing on stdout, nothing attached to $IF_B, no file" "stdout: ; attached: " "$got"
}
for i in "${!REJECTED[@]}"; do
	e=${REJECTED[i]}
	if tcpdump -d "$e" >/dev/null 2>"$R/$i.tcpdump"; then
		nok "rejected '$e': libpcap rejects it (tcpdump -d)"
		continue
	fi
	msg=$(grep -v '^Warning: assuming Ethernet$' "$R/$i.tcpdump")
	[[ $msg == "tcpdump: "* ]] || { nok "rejected '$e': tcpdump prints libpcap's message"; diag "$msg"; continue; }
	want="pktscope: bad filter expression '$e': ${msg#tcpdump: }"
	rej_case "rej-$i-ci" "capture -i $IF_B -w F '$e'" "$want" "$R/$i-ci.pcap" \
		capture -i "$IF_B" -w "$R/$i-ci.pcap" "$e"
	rej_case "rej-$i-cr" "capture -r IN -w F '$e'" "$want" "$R/$i-cr.pcap" \
		capture -r "$XIN" -w "$R/$i-cr.pcap" "$e"
	rej_case "rej-$i-wi" "watch -i $IF_B '$e'" "$want" "" watch -i "$IF_B" "$e"
done
# The expression in several words, as tcpdump takes it.
rej_case rej-words "capture -r IN -w F tcp port (two words)" \
	"pktscope: bad filter expression 'tcp port': can't parse filter expression: syntax error" \
	"$R/words.pcap" capture -r "$XIN" -w "$R/words.pcap" tcp port
check_attached "rejected: nothing attached to $IF_B" "$NS_B" "$IF_B" ""
check_eq "rejected: no file written in $R" "" "$(find "$R" -type f ! -name '*.tcpdump' -printf '%f\n')"

# ------------------------------------------------- 5. watch -r --json

# The packets watch prints, in order, with their time and length, are
# those tcpdump -r prints.
for e in 'tcp port 80' 'vlan and udp' 'ip6 protochain 6' 'greater 200' \
	'icmp[icmptype] = icmp-echo' 'ether[len - 1] = 0x61' 'host 192.0.2.99'; do
	for hook in xdp tc; do
		in=$(hook_in $hook)
		label=watch-$hook-$((++W))
		ps_run "$label" "$NS_B" watch -r "$in" --hook $hook --json "$e"
		tcpdump_filter "$in" "$TMPD/$label.ref" "$e"
		pcapx times "$TMPD/$label.ref" >"$TMPD/$label.want"
		jq -r 'select(.type == "packet") | "\(.time) \(.length)"' "$TMPD/$label.out" >"$TMPD/$label.got" 2>&1
		n=$(grep -c '' "$TMPD/$label.want")
		if [ "${RC[$label]}" = 0 ] && cmp -s "$TMPD/$label.want" "$TMPD/$label.got"; then
			ok "watch -r --hook $hook --json '$e': tcpdump's $n packets, in order, time and length"
		else
			nok "watch -r --hook $hook --json '$e': tcpdump's $n packets, in order, time and length"
			diag "exit ${RC[$label]}; $(grep -c '' "$TMPD/$label.got") printed; first differences (< tcpdump, > watch):"
			diag "$(diff "$TMPD/$label.want" "$TMPD/$label.got" | grep '^[<>]' | head -4)"
			diag "stderr: $(head -c 300 "$TMPD/$label.err")"
		fi
		check_eq "watch -r --hook $hook --json '$e': summary printed = received = $n" "$n $n" \
			"$(jq -r 'select(.type == "summary") | "\(.printed) \(.received)"' "$TMPD/$label.out" 2>&1)"
	done
done
diag "runtime: $((SECONDS - T_START)) s"


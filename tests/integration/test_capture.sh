#!/usr/bin/env bash
# `pktscope capture` against real readers and a real capture:
#  - offline (-r IN -w OUT), pcap and pcapng, over mkpcap's crafted valid
#    packets and a seeded 3000-packet mix: tshark reads OUT without a word,
#    and OUT holds IN's packets, in order, byte for byte, with the same
#    nanosecond timestamps and lengths; -s 64 cuts every frame to
#    min(len, 64) and keeps len; -c 10 writes exactly 10; -w - writes the
#    same pcap to standard output;
#  - live over the veth pair, --hook xdp and --hook tc, pcap and pcapng,
#    with tcpdump capturing the same interface at the same time: pktscope's
#    file holds exactly the frames tcpdump's holds (pings A -> B, UDP
#    B -> A, crafted frames replayed into veth-a); in pcapng every packet's
#    direction flag, hook comment and interface name; two interfaces in one
#    pcapng: two interface blocks with their names, each packet on its own;
#  - rotation: -C 1 (FILE, FILE1, FILE2 ... each at most 1,000,000 bytes
#    plus one record) and -G 1 over a replayed file (strftime names, one
#    file per second of the packets' time), together exactly the input;
#  - live pcap, written straight from the ring buffer in batches: -c 500
#    during a burst writes exactly its first 500 frames (to standard
#    output), -C 1 splits the burst across files with nothing lost or
#    reordered, --duration ends the capture by itself;
#  - direct I/O: where the file system takes O_DIRECT (ext4 here; not
#    tmpfs) pcap is written with it, through the page cache with
#    --no-direct-io or on a tmpfs, each file the input's frames; a
#    reader sees a live capture's packets while it still runs;
#  - the closing report: written = received = sent, nothing lost, files and
#    bytes_written as on disk; tcpdump-like counts on stderr without --json;
#  - usage errors: exit 2, one line, nothing attached, no file created.
. "$(dirname "$0")/lib.sh"

require_root
require_tools jq tcpdump tshark capinfos tcpreplay nsenter ping "$PY"
require_pktscope
MKPCAP=$BUILD_DIR/tools/mkpcap
[ -x "$MKPCAP" ] || bail "mkpcap is built at $MKPCAP (run make tests)"
setup_pair

VALID=$TMPD/valid.pcap
MIX=$TMPD/mix.pcap
MIX_N=3000
"$MKPCAP" --valid "$VALID" >/dev/null || bail "mkpcap --valid writes $VALID"
"$MKPCAP" --mix "$MIX_N" --seed 5 "$MIX" >/dev/null || bail "mkpcap --mix $MIX_N writes $MIX"
"$MKPCAP" --mix "$MIX_N" --seed 5 --pcapng "$TMPD/mix-in.pcapng" >/dev/null ||
	bail "mkpcap --mix $MIX_N --pcapng writes $TMPD/mix-in.pcapng"

# pktscope capture in namespace B, in the foreground; output in $TMPD/NAME.*
cap_run() { # name, capture arguments...
	local name=$1
	shift
	ps_run "$name" "$NS_B" capture "$@"
}
summary() { jq -c 'select(type == "object" and .type == "summary")' "$TMPD/$1.out" 2>/dev/null; }

# tshark's stderr, less the warning it prints whenever it runs as root.
tshark_err() { grep -v '^Running as user "root" and group "root"\. This could be dangerous\.$' "$1"; }

# tshark reads the whole file: exit 0, nothing on stderr.
check_tshark_reads() { # description, file
	local rc err
	tshark -r "$2" -q >/dev/null 2>"$TMPD/tshark.err"
	rc=$?
	err=$(tshark_err "$TMPD/tshark.err")
	if [ "$rc" -eq 0 ] && [ -z "$err" ]; then
		ok "$1"
	else
		nok "$1"
		diag "tshark -r $2: exit $rc; stderr: ${err:-(empty)}"
	fi
}
# One "time_epoch len cap_len" line per frame.
frames() { tshark -r "$1" -T fields -e frame.time_epoch -e frame.len -e frame.cap_len 2>/dev/null; }
nframes() { tshark -r "$1" -T fields -e frame.number 2>/dev/null | grep -c ''; }
# One line per frame: its captured bytes in hex, as tshark -x dumps them
# (Ethernet off, so the frame is the only data source: no reassembled or
# decompressed buffers after it).
hexes() {
	tshark -r "$1" -x -q --disable-protocol eth 2>/dev/null | awk '
		/^[0-9a-f][0-9a-f][0-9a-f][0-9a-f]  / { l = substr($0, 7, 48); gsub(/ /, "", l); h = h l; next }
		/^$/ { if (h != "") print h; h = "" }
		END { if (h != "") print h }'
}
# Same content, or the size of both and their first differences.
check_same() { # description, expected file, got file
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		nok "$1"
		diag "expected $(grep -c '' "$2") line(s), got $(grep -c '' "$3"); first differences (< expected, > got):"
		diag "$(diff "$2" "$3" | grep '^<' | cut -c1-160 | head -3)"
		diag "$(diff "$2" "$3" | grep '^>' | cut -c1-160 | head -3)"
	fi
}

# ------------------------------------------------- 1. offline: -r IN -w OUT

frames "$VALID" >"$TMPD/valid.frames"
hexes "$VALID" >"$TMPD/valid.hex"
frames "$MIX" >"$TMPD/mix.frames"
hexes "$MIX" >"$TMPD/mix.hex"
N_VALID=$(grep -c '' "$TMPD/valid.frames")
if [ "$N_VALID" -eq 0 ] || [ "$(grep -c '' "$TMPD/valid.hex")" != "$N_VALID" ] ||
	[ "$(grep -c '' "$TMPD/mix.frames")" != "$MIX_N" ] || [ "$(grep -c '' "$TMPD/mix.hex")" != "$MIX_N" ]; then
	bail "tshark reads mkpcap's files ($N_VALID valid frames)"
fi

# The closing report of a run that wrote every one of n packets of b bytes
# of packet data into f files.
check_summary() { # description, name, n, bytes, files
	local got want="$3 $3 $3 $3 0 0 0 0 0 $5 $4"
	got=$(summary "$2" | jq -r '[.written, .received, .kernel.matched, .kernel.sent,
		.kernel.sampled_out, .kernel.lost_ringbuf_full, .kernel.filter_missing,
		.user.write_errors, .user.malformed_records, .files, .bytes_written] | map(tostring) | join(" ")' 2>&1)
	check_eq "$1: --json summary written = received = matched = sent = $3, nothing sampled out or lost, files $5, bytes_written $4" \
		"$want" "$got"
}
capbytes() { awk '{ s += $3 } END { print s + 0 }' "$1"; } # sum of cap_len of a frames file

offline() { # label, input, its frames file, its hex file, capture arguments...
	local label=$1 in=$2 fr=$3 hx=$4 out n
	shift 4
	out=$TMPD/$label.out-file
	cap_run "$label" -r "$in" -w "$out" --json "$@"
	check_eq "$label: capture -r $(basename "$in") $*: exit status" 0 "${RC[$label]}"
	check_tshark_reads "$label: tshark reads the output without error" "$out"
	n=$(grep -c '' "$fr")
	check_eq "$label: as many packets as the input" "$n" "$(nframes "$out")"
	frames "$out" >"$TMPD/$label.frames"
	check_same "$label: same timestamps (ns), len and cap_len, frame by frame" "$fr" "$TMPD/$label.frames"
	hexes "$out" >"$TMPD/$label.hex"
	check_same "$label: same bytes, frame by frame" "$hx" "$TMPD/$label.hex"
	check_summary "$label" "$label" "$n" "$(capbytes "$fr")" 1
}

offline off-valid-pcap "$VALID" "$TMPD/valid.frames" "$TMPD/valid.hex"
offline off-valid-pcapng "$VALID" "$TMPD/valid.frames" "$TMPD/valid.hex" --pcapng
offline off-mix-pcap "$MIX" "$TMPD/mix.frames" "$TMPD/mix.hex"
offline off-mix-pcapng "$MIX" "$TMPD/mix.frames" "$TMPD/mix.hex" --pcapng
offline off-ngin-pcap "$TMPD/mix-in.pcapng" "$TMPD/mix.frames" "$TMPD/mix.hex"
check_eq "off-valid-pcap: pcap with nanosecond timestamps (capinfos)" "nanoseconds (9)" \
	"$(capinfos "$TMPD/off-valid-pcap.out-file" 2>/dev/null | sed -n 's/^File timestamp precision:[[:space:]]*//p')"

# A pcap file says nothing of direction: pcapng written from it invents
# none (no epb_flags), and names the hook that ran each packet.
ng_tags() { # file: "direction comment" per frame, counted
	tshark -r "$1" -T fields -E separator=, -e frame.packet_flags_direction -e frame.comment 2>/dev/null |
		sort | uniq -c | sed 's/^ *//'
}
check_eq "off-mix-pcapng: no direction invented for a pcap input, comment \"hook xdp\"" \
	"$MIX_N ,hook xdp" "$(ng_tags "$TMPD/off-mix-pcapng.out-file")"
cap_run off-tc -r "$VALID" -w "$TMPD/off-tc.pcapng" --pcapng --hook tc
check_eq "off-tc: -r --hook tc --pcapng: exit status" 0 "${RC[off-tc]}"
# The kernel's TC test run takes frames up to about a page; the crafted
# set has a 5000- and a 9000-byte frame, and frames under 14 bytes, which
# pktscope runs cut or padded (the parse bounded by the record's length):
# every one is written, none left unrun.
big=$(tshark -r "$VALID" -Y 'frame.len > 3000' 2>/dev/null | wc -l)
check "off-tc: the crafted set has frames over a page ($big)" test "$big" -gt 0
check "off-tc: no packet reported as not run" sh -c "! grep -q 'not run' '$TMPD/off-tc.err'"
check_eq "off-tc: every one of the input's $N_VALID packets written" \
	"$N_VALID" "$(nframes "$TMPD/off-tc.pcapng")"
check_eq "off-tc: no direction invented, comment \"hook tc\"" \
	"$(nframes "$TMPD/off-tc.pcapng") ,hook tc" "$(ng_tags "$TMPD/off-tc.pcapng")"

# -s 64: cap_len = min(len, 64), len as it was, the first cap_len bytes.
for fmt in pcap pcapng; do
	label=snap-$fmt
	args=()
	[ "$fmt" = pcapng ] && args=(--pcapng)
	cap_run "$label" -r "$MIX" -w "$TMPD/$label.out-file" -s 64 --json "${args[@]}"
	check_eq "$label: capture -r -s 64 ${args[*]}: exit status" 0 "${RC[$label]}"
	check_tshark_reads "$label: tshark reads the output without error" "$TMPD/$label.out-file"
	awk -v OFS='\t' '{ print $1, $2, ($2 < 64 ? $2 : 64) }' "$TMPD/mix.frames" >"$TMPD/$label.want"
	frames "$TMPD/$label.out-file" >"$TMPD/$label.frames"
	check_same "$label: every frame's cap_len = min(len, 64), len and timestamp unchanged" \
		"$TMPD/$label.want" "$TMPD/$label.frames"
	cut -c1-128 "$TMPD/mix.hex" >"$TMPD/$label.want-hex"
	hexes "$TMPD/$label.out-file" >"$TMPD/$label.hex"
	check_same "$label: every frame's bytes are the first cap_len of the input's" \
		"$TMPD/$label.want-hex" "$TMPD/$label.hex"
	check_summary "$label" "$label" "$MIX_N" "$(capbytes "$TMPD/$label.want")" 1
done

# -c 10: exactly the first 10.
cap_run count -r "$MIX" -w "$TMPD/count.pcap" -c 10 --json
check_eq "-r -c 10: exit status" 0 "${RC[count]}"
head -10 "$TMPD/mix.hex" >"$TMPD/count.want-hex"
hexes "$TMPD/count.pcap" >"$TMPD/count.hex"
check_same "-r -c 10: exactly the input's first 10 frames (bytes)" "$TMPD/count.want-hex" "$TMPD/count.hex"
check_eq "-r -c 10: summary written 10, received 10" "10 10" \
	"$(summary count | jq -r '"\(.written) \(.received)"')"

# Without --json: tcpdump-like counts on stderr, nothing on stdout.
cap_run text -r "$MIX" -w "$TMPD/text.pcap"
check_eq "-r without --json: exit status" 0 "${RC[text]}"
check_eq "-r without --json: nothing on stdout" "" "$(head -c 300 "$TMPD/text.out")"
check_eq "-r without --json: stderr reports $MIX_N written, $MIX_N received ($MIX_N matched), 0 dropped" \
	"$MIX_N packets written
$MIX_N packets received from the kernel ($MIX_N matched the filter, 0 left out by --sample)
0 packets dropped by kernel (ring buffer full)" "$(cat "$TMPD/text.err")"

# -w -: the pcap goes to standard output.
cap_run stdout -r "$MIX" -w -
check_eq "-w -: exit status" 0 "${RC[stdout]}"
check_tshark_reads "-w -: tshark reads standard output's pcap without error" "$TMPD/stdout.out"
hexes "$TMPD/stdout.out" >"$TMPD/stdout.hex"
check_same "-w -: standard output holds the input's frames (bytes)" "$TMPD/mix.hex" "$TMPD/stdout.hex"

# ------------------------------------------------- 2. live over veth, against tcpdump

K=8
IF_C=veth-c # a second pair for the two-interface capture: veth-c (B) <-> veth-d (A)
IF_D=veth-d
IP_C=198.51.100.2
IP_D=198.51.100.1
MAC_C=02:70:73:00:00:0c
MAC_D=02:70:73:00:00:0d
UDP_PORT=7301

gro_off "$NS_B" "$IF_B" || setup_failed "could not turn GRO off on $IF_B"

# The crafted frames that fit the veth MTU, from A's MAC address.
"$MKPCAP" --valid --eth-src "$MAC_A" "$TMPD/crafted-all.pcap" >/dev/null || bail "mkpcap --eth-src"
tshark -r "$TMPD/crafted-all.pcap" -Y 'frame.len <= 1514' -F pcap -w "$TMPD/crafted.pcap" 2>/dev/null ||
	bail "tshark selects the crafted frames that fit the MTU"
N_CRAFTED=$(nframes "$TMPD/crafted.pcap")

wait_file() { # path
	local i
	for ((i = 0; i < WAIT_S * 10; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# K pings A -> B (requests in, replies out on veth-b), K UDP datagrams
# B -> A (out) to a receiver on A, the crafted frames replayed into veth-a (in).
send_traffic() { # label
	local r=$1-udprecv out
	in_ns "$NS_A" ping -q -c "$K" -i 0.02 -W 2 "$IP_B" >"$TMPD/$1-ping.out" 2>&1 ||
		{ nok "$1: ping A -> B"; diag "$(cat "$TMPD/$1-ping.out")"; }
	rm -f "$TMPD/$r.ready"
	bg_start "$r" nsenter --net="/run/netns/$NS_A" -- "$PY" "$IT_DIR/pkt.py" udp-recv "$IP_A" "$UDP_PORT" "$K" 10 "$TMPD/$r.ready"
	if wait_file "$TMPD/$r.ready"; then
		in_ns "$NS_B" "$PY" "$IT_DIR/pkt.py" udp-send "$IP_A" "$UDP_PORT" "$K" 100 >/dev/null
		bg_wait "$r" 15
		[ "$(cat "$TMPD/$r.out")" = "$K" ] || { nok "$1: all $K datagrams B -> A received"; diag "$(cat "$TMPD/$r.out" "$TMPD/$r.err")"; }
	else
		nok "$1: UDP receiver on A ready"
	fi
	out=$(in_ns "$NS_A" tcpreplay -i "$IF_A" --pps 1000 "$TMPD/crafted.pcap" 2>&1)
	[ "$(sed -n 's/^[[:space:]]*Successful packets:[[:space:]]*\([0-9]*\).*/\1/p' <<<"$out")" = "$N_CRAFTED" ] ||
		{ nok "$1: tcpreplay sends the $N_CRAFTED crafted frames into $IF_A"; diag "$out"; }
}

# Expected direction of each frame from its Ethernet source: B's own
# frames go out of veth-b, seen at TC egress; everything else comes in,
# seen at the ingress hook asked for.
want_tags() { # hex file, ingress hook
	awk -v b="$(tr -d : <<<"$MAC_B")" -v hook="$2" -v ifn="$IF_B" '{
		if (substr($0, 13, 12) == b) print "0x00000002,hook tc," ifn
		else print "0x00000001,hook " hook "," ifn
	}' "$1"
}

live() { # label, hook, pcap|pcapng
	local label=$1 hook=$2 fmt=$3 out ref args=() n
	out=$TMPD/$label.$fmt
	ref=$label-tcpdump
	[ "$fmt" = pcapng ] && args=(--pcapng)
	if ! tcpdump_start "$ref" "$NS_B" "$IF_B"; then
		nok "$label: tcpdump starts on $IF_B"
		return
	fi
	if ! ps_start_cmd "$label" "$NS_B" capture -i "$IF_B" -w "$out" --hook "$hook" --json "${args[@]}"; then
		nok "$label: pktscope capture -i $IF_B --hook $hook ${args[*]} starts"
		ps_stop "$label" KILL
		bg_stop "$ref"
		return
	fi
	send_traffic "$label"
	sleep 0.3 # the reader polls every 100 ms; SIGINT drains what is left anyway
	ps_stop "$label"
	tcpdump_stop "$ref" || nok "$label: tcpdump captured every packet (the reference is whole)"
	check_eq "$label: capture -i $IF_B --hook $hook${args[*]:+ ${args[*]}}: exit status after SIGINT" 0 "${RC[$label]}"
	check_tshark_reads "$label: tshark reads pktscope's file without error" "$out"
	n=$(nframes "$TMPD/$ref.pcap")
	# Nothing else crosses the link: the reference is what was sent.
	check_eq "$label: tcpdump saw the $((3 * K + N_CRAFTED)) frames sent ($K requests, $K replies, $K datagrams, $N_CRAFTED crafted)" \
		"$((3 * K + N_CRAFTED))" "$n"
	check_eq "$label: as many packets as tcpdump's capture" "$n" "$(nframes "$out")"
	hexes "$TMPD/$ref.pcap" | sort >"$TMPD/$label.want-hex"
	hexes "$out" | sort >"$TMPD/$label.hex"
	check_same "$label: the same frames as tcpdump's, byte for byte (sorted)" "$TMPD/$label.want-hex" "$TMPD/$label.hex"
	check_eq "$label: every frame's len = cap_len (whole frames)" "" \
		"$(frames "$out" | awk '$2 != $3' | head -3)"
	if [ "$fmt" = pcapng ]; then
		hexes "$out" >"$TMPD/$label.hex-order"
		paste -d, <(tshark -r "$out" -T fields -E separator=, -e frame.packet_flags_direction \
			-e frame.comment -e frame.interface_name 2>/dev/null) "$TMPD/$label.hex-order" |
			sort >"$TMPD/$label.tags"
		paste -d, <(want_tags "$TMPD/$label.hex-order" "$hook") "$TMPD/$label.hex-order" |
			sort >"$TMPD/$label.want-tags"
		check_same "$label: each packet's direction and hook comment (B's own frames outbound, \"hook tc\"; the rest inbound, \"hook $hook\"), interface $IF_B" \
			"$TMPD/$label.want-tags" "$TMPD/$label.tags"
		check_eq "$label: direction counts: replies and datagrams out, requests and crafted in" \
			"$((K + N_CRAFTED)) in, $((2 * K)) out" \
			"$(cut -d, -f1 "$TMPD/$label.tags" | grep -c 0x00000001) in, $(cut -d, -f1 "$TMPD/$label.tags" | grep -c 0x00000002) out"
	fi
	check_summary "$label" "$label" "$n" "$(frames "$TMPD/$ref.pcap" | capbytes /dev/stdin)" 1
	check_attached "$label: nothing left attached after SIGINT" "$NS_B" "$IF_B" ""
}

live live-xdp-pcap xdp pcap
live live-xdp-pcapng xdp pcapng
live live-tc-pcap tc pcap
live live-tc-pcapng tc pcapng

# Two interfaces, one pcapng: an interface block for each, named.
ip link add "$IF_D" netns "$NS_A" address "$MAC_D" type veth \
	peer name "$IF_C" netns "$NS_B" address "$MAC_C" || bail "create veth pair $IF_D/$IF_C"
_WATCH+=("$NS_A $IF_D" "$NS_B $IF_C")
ip -n "$NS_A" addr add "$IP_D/24" dev "$IF_D"
ip -n "$NS_B" addr add "$IP_C/24" dev "$IF_C"
ip -n "$NS_A" neigh replace "$IP_C" lladdr "$MAC_C" dev "$IF_D" nud permanent
ip -n "$NS_B" neigh replace "$IP_D" lladdr "$MAC_D" dev "$IF_C" nud permanent
ip -n "$NS_A" link set "$IF_D" up
ip -n "$NS_B" link set "$IF_C" up
out=$TMPD/two.pcapng
if ps_start_cmd two "$NS_B" capture -i "$IF_B" -i "$IF_C" -w "$out" --pcapng --json; then
	in_ns "$NS_A" ping -q -c 3 -i 0.02 -W 2 "$IP_B" >/dev/null 2>&1 || nok "two: ping A -> B"
	in_ns "$NS_A" ping -q -c 5 -i 0.02 -W 2 "$IP_C" >/dev/null 2>&1 || nok "two: ping A -> C"
	sleep 0.3
	ps_stop two
	check_eq "two: capture -i $IF_B -i $IF_C --pcapng: exit status after SIGINT" 0 "${RC[two]}"
	check_tshark_reads "two: tshark reads the file without error" "$out"
	check_eq "two: two interface blocks, named $IF_B and $IF_C" "2: $IF_B $IF_C" \
		"$(capinfos -I "$out" 2>/dev/null | sed -n 's/^Number of interfaces in file:[[:space:]]*//p'): $(capinfos -I "$out" 2>/dev/null | sed -n 's/^[[:space:]]*Name = //p' | paste -sd' ')"
	check_eq "two: each ping on its interface, requests in, replies out" \
		"$(printf '%s\n' "3 $IF_B 0x00000001 8" "3 $IF_B 0x00000002 0" "5 $IF_C 0x00000001 8" "5 $IF_C 0x00000002 0" | sort)" \
		"$(tshark -r "$out" -T fields -e frame.interface_name -e frame.packet_flags_direction -e icmp.type 2>/dev/null |
			sort | uniq -c | sed 's/^ *//' | tr '\t' ' ')"
	# 8 echo requests and 8 replies, of 98 bytes each: what was sent.
	check_summary "two" two 16 $((16 * 98)) 1
else
	nok "two: pktscope capture -i $IF_B -i $IF_C --pcapng starts"
	ps_stop two KILL
fi
check_attached "two: nothing left attached to $IF_C" "$NS_B" "$IF_C" ""

# ------------------------------------------------- 3. rotation

# Sizes of a capture file and of its last record (pcap or pcapng).
LAST_REC_PY='
import struct, sys
d = open(sys.argv[1], "rb").read()
if d[:4] == b"\x0a\x0d\x0d\x0a":
    off, last = 0, 0
    while off < len(d):
        n = struct.unpack_from("<I", d, off + 4)[0]
        if n < 12 or off + n > len(d):
            sys.exit("bad block at %d" % off)
        last, off = n, off + n
else:
    off, last = 24, 0
    while off < len(d):
        n = 16 + struct.unpack_from("<I", d, off + 8)[0]
        if off + n > len(d):
            sys.exit("bad record at %d" % off)
        last, off = n, off + n
print(len(d), last)
'
# The files -C 1 wrote from BASE, in tcpdump's order: BASE, BASE1, BASE2 ...
# into the array files (and their number into nf).
c_files() { # base
	local i
	files=("$1")
	for ((i = 1; i < 1000; i++)); do
		[ -e "$1$i" ] || break
		files+=("$1$i")
	done
	nf=${#files[@]}
}
# -C 1: each of files at most 1,000,000 bytes plus its last record, and all
# but the last nearly full.
check_c_sizes() { # label
	local bad=() i size last
	for ((i = 0; i < nf; i++)); do
		read -r size last < <("$PY" -c "$LAST_REC_PY" "${files[i]}" 2>&1)
		if [ -z "$last" ] || [ $((size - last)) -gt 1000000 ]; then
			bad+=("${files[i]##*/}: $size bytes, last record $last")
		elif [ "$i" -lt $((nf - 1)) ] && [ "$size" -lt 990000 ]; then
			bad+=("${files[i]##*/}: $size bytes, not full yet it is not the last")
		fi
	done
	check_eq "$1: each file at most 1,000,000 bytes plus its last record (and all but the last nearly full)" \
		"" "$(printf '%s\n' "${bad[@]}" | grep .)"
}

BIG=$TMPD/big.pcap
BIG_N=20000
"$MKPCAP" --mix "$BIG_N" --seed 3 "$BIG" >/dev/null || bail "mkpcap --mix $BIG_N"
frames "$BIG" >"$TMPD/big.frames"
hexes "$BIG" >"$TMPD/big.hex"
[ "$(grep -c '' "$TMPD/big.hex")" = "$BIG_N" ] || bail "tshark reads the $BIG_N frames of $BIG"
for fmt in pcap pcapng; do
	label=rot-C-$fmt
	mkdir -p "$TMPD/$label"
	base=$TMPD/$label/out.$fmt
	args=()
	[ "$fmt" = pcapng ] && args=(--pcapng)
	cap_run "$label" -r "$BIG" -w "$base" -C 1 --json "${args[@]}"
	check_eq "$label: capture -r ($(stat -c %s "$BIG") bytes) -C 1${args[*]:+ ${args[*]}}: exit status" 0 "${RC[$label]}"
	c_files "$base"
	check_eq "$label: the files are out.$fmt, out.${fmt}1 ... out.$fmt$((nf - 1)), nothing else" \
		"$(printf '%s\n' "${files[@]##*/}" | sort)" "$(ls "$TMPD/$label" | sort)"
	[ "$nf" -ge 5 ] || nok "$label: several files (got $nf)"
	bad=()
	for f in "${files[@]}"; do
		tshark -r "$f" -q >/dev/null 2>"$TMPD/tshark.err" && [ -z "$(tshark_err "$TMPD/tshark.err")" ] ||
			bad+=("${f##*/}: $(tshark_err "$TMPD/tshark.err" | head -1)")
	done
	check_eq "$label: tshark reads each of the $nf files without error" "" "$(printf '%s\n' "${bad[@]}" | grep .)"
	check_c_sizes "$label"
	for f in "${files[@]}"; do frames "$f"; done >"$TMPD/$label.frames"
	for f in "${files[@]}"; do hexes "$f"; done >"$TMPD/$label.hex"
	check_same "$label: together, in order, the input's timestamps and lengths" "$TMPD/big.frames" "$TMPD/$label.frames"
	check_same "$label: together, in order, the input's frames byte for byte" "$TMPD/big.hex" "$TMPD/$label.hex"
	check_summary "$label" "$label" "$BIG_N" "$(capbytes "$TMPD/big.frames")" "$nf"
done

# -G 1 over a replayed file: the packets' own time decides; mkpcap spaces
# packets 1 ms apart from 1700000000 s, so 5000 packets fill 5 seconds.
G_N=5000
G_IN=$TMPD/g.pcap
"$MKPCAP" --mix "$G_N" --seed 4 "$G_IN" >/dev/null || bail "mkpcap --mix $G_N"
frames "$G_IN" >"$TMPD/g.frames"
hexes "$G_IN" >"$TMPD/g.hex"
[ "$(grep -c '' "$TMPD/g.hex")" = "$G_N" ] || bail "tshark reads the $G_N frames of $G_IN"
mkdir -p "$TMPD/rot-G"
TZ=UTC cap_run rot-G -r "$G_IN" -w "$TMPD/rot-G/t-%Y%m%d-%H%M%S.pcap" -G 1 --json
check_eq "rot-G: capture -r -G 1 -w 't-%Y%m%d-%H%M%S.pcap' (TZ=UTC): exit status" 0 "${RC[rot-G]}"
files=()
mapfile -t secs < <(cut -d. -f1 "$TMPD/g.frames" | uniq)
for s in "${secs[@]}"; do
	files+=("$TMPD/rot-G/t-$(date -u -d "@$s" +%Y%m%d-%H%M%S).pcap")
done
check_eq "rot-G: exactly one file per second of the packets' time, named by the pattern" \
	"$(printf '%s\n' "${files[@]##*/}")" "$(ls "$TMPD/rot-G" | sort)"
for f in "$TMPD"/rot-G/*; do
	[[ " ${files[*]} " == *" $f "* ]] ||
		diag "rot-G: unexpected file ${f##*/}: $(stat -c %s "$f") bytes, $(nframes "$f") packets"
done
bad=()
for i in "${!files[@]}"; do
	f=${files[i]}
	[ -e "$f" ] || { bad+=("${f##*/}: missing"); continue; }
	tshark -r "$f" -q >/dev/null 2>"$TMPD/tshark.err" && [ -z "$(tshark_err "$TMPD/tshark.err")" ] ||
		bad+=("${f##*/}: $(tshark_err "$TMPD/tshark.err" | head -1)")
	# every packet of t-...HHMMSS.pcap is within that second
	other=$(frames "$f" | cut -d. -f1 | grep -vc "^${secs[i]}\$")
	[ "$other" -eq 0 ] || bad+=("${f##*/}: $other packet(s) of another second")
done
check_eq "rot-G: each file readable by tshark, holding only its second's packets" "" "$(printf '%s\n' "${bad[@]}" | grep .)"
for f in "${files[@]}"; do [ -e "$f" ] && frames "$f"; done >"$TMPD/rot-G.frames"
for f in "${files[@]}"; do [ -e "$f" ] && hexes "$f"; done >"$TMPD/rot-G.hex"
check_same "rot-G: together, in order, the input's timestamps and lengths" "$TMPD/g.frames" "$TMPD/rot-G.frames"
check_same "rot-G: together, in order, the input's frames byte for byte" "$TMPD/g.hex" "$TMPD/rot-G.hex"
on_disk=("$TMPD"/rot-G/*)
check_eq "rot-G: summary files = files on disk" "${#on_disk[@]}" "$(summary rot-G | jq -r .files)"
check_summary "rot-G" rot-G "$G_N" "$(capbytes "$TMPD/g.frames")" "${#files[@]}"

# ------------------------------------------------- 4. live pcap, straight from the ring

# A live capture to pcap writes the records from the ring buffer in
# batches (src/capture/ringcap.c): the reader sleeps until a sixteenth of the ring
# waits or 100 ms pass, so a burst arrives as batches of hundreds of
# records, which -c, -C and -w - must cut exactly.  The burst is replayed at
# a rate the veth pair takes without loss, in order, and nothing else
# crosses the link: the capture must hold exactly the burst, in its order.
"$MKPCAP" --mix 12000 --seed 9 --eth-src "$MAC_A" "$TMPD/burst-all.pcap" >/dev/null || bail "mkpcap --mix 12000"
tshark -r "$TMPD/burst-all.pcap" -Y 'frame.len <= 1514' -F pcap -w "$TMPD/burst.pcap" 2>/dev/null ||
	bail "tshark selects the burst frames that fit the MTU"
hexes "$TMPD/burst.pcap" >"$TMPD/burst.hex"
N_BURST=$(grep -c '' "$TMPD/burst.hex")
[ "$N_BURST" -gt 10000 ] || bail "the burst holds $N_BURST frames"
send_burst() { # label
	local out
	out=$(in_ns "$NS_A" tcpreplay -i "$IF_A" --pps 20000 "$TMPD/burst.pcap" 2>&1)
	[ "$(sed -n 's/^[[:space:]]*Successful packets:[[:space:]]*\([0-9]*\).*/\1/p' <<<"$out")" = "$N_BURST" ] ||
		{ nok "$1: tcpreplay sends the $N_BURST burst frames into $IF_A"; diag "$out"; }
}

# -c in the middle of a batch, written to standard output.
if ps_start_cmd fast-c "$NS_B" capture -i "$IF_B" -w - -c 500; then
	send_burst fast-c
	bg_wait fast-c 15 || ps_stop fast-c KILL
	check_eq "fast-c: capture -i $IF_B -w - -c 500 during a burst: exits by itself, status 0" 0 "${RC[fast-c]}"
	check_tshark_reads "fast-c: tshark reads standard output's pcap without error" "$TMPD/fast-c.out"
	head -500 "$TMPD/burst.hex" >"$TMPD/fast-c.want-hex"
	hexes "$TMPD/fast-c.out" >"$TMPD/fast-c.hex"
	check_same "fast-c: exactly the burst's first 500 frames, in order, byte for byte" \
		"$TMPD/fast-c.want-hex" "$TMPD/fast-c.hex"
	check_eq "fast-c: stderr reports 500 written, 500 received" "500 packets written
500 packets received" "$(grep -E '^[0-9]+ packets (written|received)' "$TMPD/fast-c.err" | sed 's/ from the kernel.*//')"
else
	nok "fast-c: pktscope capture -i $IF_B -w - -c 500 starts"
	ps_stop fast-c KILL
fi
check_attached "fast-c: nothing left attached" "$NS_B" "$IF_B" ""

# -C 1: batches split where each file fills.
mkdir -p "$TMPD/fast-C"
base=$TMPD/fast-C/out.pcap
if ps_start_cmd fast-C "$NS_B" capture -i "$IF_B" -w "$base" -C 1 --json; then
	send_burst fast-C
	sleep 0.3
	ps_stop fast-C
	check_eq "fast-C: capture -i $IF_B -C 1 during a burst: exit status after SIGINT" 0 "${RC[fast-C]}"
	c_files "$base"
	check_eq "fast-C: the files are out.pcap, out.pcap1 ... out.pcap$((nf - 1)), nothing else" \
		"$(printf '%s\n' "${files[@]##*/}" | sort)" "$(ls "$TMPD/fast-C" | sort)"
	[ "$nf" -ge 3 ] && ok "fast-C: several files ($nf)" || nok "fast-C: several files (got $nf)"
	check_c_sizes fast-C
	for f in "${files[@]}"; do hexes "$f"; done >"$TMPD/fast-C.hex"
	check_same "fast-C: together, in order, the burst's frames byte for byte" "$TMPD/burst.hex" "$TMPD/fast-C.hex"
	check_summary "fast-C" fast-C "$N_BURST" "$(frames "$TMPD/burst.pcap" | capbytes /dev/stdin)" "$nf"
else
	nok "fast-C: pktscope capture -i $IF_B -C 1 starts"
	ps_stop fast-C KILL
fi
check_attached "fast-C: nothing left attached" "$NS_B" "$IF_B" ""

# --duration ends a live capture by itself, with its report.
ps_run fast-dur "$NS_B" capture -i "$IF_B" -w "$TMPD/fast-dur.pcap" --duration 1 --json
check_eq "fast-dur: capture -i $IF_B --duration 1: exit status" 0 "${RC[fast-dur]}"
check_tshark_reads "fast-dur: tshark reads the file without error" "$TMPD/fast-dur.pcap"
check_summary "fast-dur" fast-dur 0 0 1
check_attached "fast-dur: nothing left attached" "$NS_B" "$IF_B" ""

# ------------------------------------------------- 4b. direct I/O

# pcap goes to disk with O_DIRECT where the file system reports the
# alignment it needs (statx STATX_DIOALIGN: ext4, xfs, btrfs), through the
# page cache elsewhere (tmpfs) and with --no-direct-io: the report's
# direct_io says which.  Either way the file holds the input's frames.
dio_of() { summary "$1" | jq -r '.direct_io'; }
# Without direct I/O, the file holds the input's frames as tshark reads them
# (the input, not another pktscope output, is the reference).
check_same_input() { # label, file
	frames "$2" >"$TMPD/$1.frames"
	check_same "$1: the input's timestamps (ns), len and cap_len, frame by frame (tshark)" \
		"$TMPD/mix.frames" "$TMPD/$1.frames"
	hexes "$2" >"$TMPD/$1.hex"
	check_same "$1: the input's frames, byte for byte (tshark)" "$TMPD/mix.hex" "$TMPD/$1.hex"
}
FSTYPE=$(stat -f -c %T "$TMPD")
case $FSTYPE in
ext2/ext3 | xfs | btrfs) DIO_FS=true ;;
*) DIO_FS= ;;
esac
if [ -z "$DIO_FS" ]; then
	skip "dio: capture writes pcap with direct I/O" "$TMPD is on $FSTYPE, not a file system known to take O_DIRECT"
else
	check_eq "dio: capture -r mix.pcap -w FILE on $FSTYPE wrote with direct I/O (direct_io in --json)" \
		true "$(dio_of off-mix-pcap)"
	check_eq "dio: so did the live -C 1 capture of the burst, every file" true "$(dio_of fast-C)"
	cap_run dio-off -r "$MIX" -w "$TMPD/dio-off.pcap" --json --no-direct-io
	check_eq "dio-off: capture -r mix.pcap --no-direct-io: exit status" 0 "${RC[dio-off]}"
	check_eq "dio-off: wrote through the page cache (direct_io false)" false "$(dio_of dio-off)"
	check_same_input "dio-off" "$TMPD/dio-off.pcap"
	mkdir -p "$TMPD/shm"
	_CLEANUP_CMDS+=("umount '$TMPD/shm'")
	if mount -t tmpfs -o size=64m tmpfs "$TMPD/shm"; then
		cap_run dio-tmpfs -r "$MIX" -w "$TMPD/shm/mix.pcap" --json
		check_eq "dio-tmpfs: capture -r mix.pcap -w FILE on a tmpfs: exit status" 0 "${RC[dio-tmpfs]}"
		check_eq "dio-tmpfs: tmpfs takes no direct I/O: through the page cache (direct_io false)" \
			false "$(dio_of dio-tmpfs)"
		check_same_input "dio-tmpfs" "$TMPD/shm/mix.pcap"
		umount "$TMPD/shm"
	else
		nok "dio-tmpfs: mount a tmpfs on $TMPD/shm"
	fi

	# Direct I/O holds records until 2 MiB wait, but a quiet link (the
	# reader's 100 ms timeout) writes what waits: a reader of the file sees
	# each packet while the capture runs.
	head -200 "$TMPD/burst.hex" >"$TMPD/dio-live.want-hex"
	tshark -r "$TMPD/burst.pcap" -c 200 -F pcap -w "$TMPD/burst200.pcap" 2>/dev/null ||
		bail "tshark cuts the burst's first 200 frames"
	if ps_start_cmd dio-live "$NS_B" capture -i "$IF_B" -w "$TMPD/dio-live.pcap" --json; then
		out=$(in_ns "$NS_A" tcpreplay -i "$IF_A" --pps 2000 "$TMPD/burst200.pcap" 2>&1) ||
			diag "$out"
		got=
		for ((i = 0; i < 30; i++)); do
			sleep 0.1
			got=$(hexes "$TMPD/dio-live.pcap" 2>/dev/null | grep -c '')
			[ "$got" = 200 ] && break
		done
		check_eq "dio-live: while the capture runs, the file already holds the 200 frames sent" 200 "$got"
		hexes "$TMPD/dio-live.pcap" >"$TMPD/dio-live.hex"
		check_same "dio-live: ... byte for byte, in order" "$TMPD/dio-live.want-hex" "$TMPD/dio-live.hex"
		ps_stop dio-live
		check_eq "dio-live: exit status after SIGINT" 0 "${RC[dio-live]}"
		check_eq "dio-live: written with direct I/O" true "$(dio_of dio-live)"
		hexes "$TMPD/dio-live.pcap" >"$TMPD/dio-live.hex"
		check_same "dio-live: after exit, still exactly those frames" "$TMPD/dio-live.want-hex" \
			"$TMPD/dio-live.hex"
	else
		nok "dio-live: pktscope capture -i $IF_B -w FILE starts"
		ps_stop dio-live KILL
	fi
	check_attached "dio-live: nothing left attached" "$NS_B" "$IF_B" ""
fi

# ------------------------------------------------- 5. usage errors

err_case() { # label, file that must not appear ("" for none), capture arguments...
	local label=$1 file=$2
	shift 2
	local d="capture ${*//$TMPD/\$TMP}"
	cap_run "$label" "$@"
	check_usage_error "$d" "$label"
	check_eq "$d: nothing on stdout" "" "$(head -c 300 "$TMPD/$label.out")"
	check_eq "$d: nothing attached to $IF_B" "" "$(attached "$NS_B" "$IF_B")"
	if [ -n "$file" ]; then
		if [ -e "$file" ]; then nok "$d: no file created"; else ok "$d: no file created"; fi
	fi
}
E=$TMPD/err
mkdir -p "$E"
err_case err-now "" -i "$IF_B"
err_case err-dir "" -i "$IF_B" -w "$TMPD/nonexistent/x.pcap"
err_case err-dir-ng "" -i "$IF_B" -w "$TMPD/nonexistent/x.pcapng" --pcapng
err_case err-snap "$E/snap.pcap" -i "$IF_B" -w "$E/snap.pcap" -s -1
err_case err-C "$E/c.pcap" -i "$IF_B" -w "$E/c.pcap" -C 0
err_case err-G "$E/g.pcap" -i "$IF_B" -w "$E/g.pcap" -G 0
err_case err-stdout-C "" -i "$IF_B" -w - -C 1
check_eq "usage errors: no file at all in $E" "" "$(ls -A "$E")"

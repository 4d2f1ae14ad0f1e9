#!/usr/bin/env bash
# Never destroy, never hide, always stop.
#  - Every way capture refuses to start (an unknown interface, one already
#    inspected, an XDP hook taken, an unreadable, damaged or unsupported -r
#    file, -r and -w naming the same file, a pcapng input a pcap output
#    cannot hold, a bad expression or option) exits 2 and leaves an existing
#    -w file byte for byte as it was, and nothing attached.
#  - A write that fails (no space: /dev/full and a full tmpfs; file too
#    large: RLIMIT_FSIZE) is said at once with its reason, stops the capture
#    (live and -r), exits 1, and the report accounts for every packet:
#    written + not written = received.
#  - SIGINT and SIGTERM stop every command, live and -r, including -r from
#    a pipe that is waiting for more: the time each took is printed; the
#    check is a generous bound (a hang), not a speed.
. "$(dirname "$0")/lib.sh"

require_root
require_tools sha256sum tcpdump mkfifo "$PY"
require_pktscope
GEN=$IT_DIR/capgen.py
setup_pair
cd "$TMPD" || bail "cd $TMPD"

"$PY" "$GEN" lengths len.pcap >/dev/null || bail "capgen.py lengths"
"$PY" "$GEN" linktype ieee802_11 wifi.pcap >/dev/null || bail "capgen.py linktype"
"$PY" "$GEN" mixed-ng mixed.pcapng >/dev/null || bail "capgen.py mixed-ng"
head -c 3000 /dev/urandom >junk.pcap
head -c 100 len.pcap >cut.pcap # a header, then half a record

# keep.pcap: what the user has, a capture of their own
cp len.pcap keep.pcap
KEEP_SUM=$(sha256sum <keep.pcap)

refusal() { # label, ns, pktscope arguments...: exit 2, keep.pcap untouched
	local label=$1 ns=$2 name=r$_T
	shift 2
	ps_run "$name" "$ns" "$@"
	check_eq "$label: exit 2" 2 "${RC[$name]}"
	if [ "$(grep -c '' "$TMPD/$name.err")" -ge 1 ] && grep -q '^pktscope: ' "$TMPD/$name.err"; then
		ok "$label: says why ($(head -1 "$TMPD/$name.err" | cut -c1-90))"
	else
		nok "$label: says why"
		diag "$(cat "$TMPD/$name.err")"
	fi
	check_eq "$label: the existing -w file is as it was" "$KEEP_SUM" "$(sha256sum <keep.pcap)"
	cp len.pcap keep.pcap
}

refusal "unknown interface" "$NS_A" capture -i nosuch0 -w "$TMPD/keep.pcap"
refusal "unknown interface, pcapng" "$NS_A" capture -i nosuch0 --pcapng -w "$TMPD/keep.pcap"
refusal "-r: no such file" "$NS_A" capture -r "$TMPD/none.pcap" -w "$TMPD/keep.pcap"
refusal "-r: not a capture" "$NS_A" capture -r "$TMPD/junk.pcap" -w "$TMPD/keep.pcap"
refusal "-r: a link type pktscope does not read" "$NS_A" capture -r "$TMPD/wifi.pcap" -w "$TMPD/keep.pcap"
refusal "-r and -w the same file" "$NS_A" capture -r "$TMPD/keep.pcap" -w "$TMPD/keep.pcap"
ln -sf keep.pcap alias.pcap
refusal "-r and -w the same file through a link" "$NS_A" capture -r "$TMPD/alias.pcap" -w "$TMPD/keep.pcap"
refusal "-r: interfaces of two link types, -w pcap" "$NS_A" capture -r "$TMPD/mixed.pcapng" -w "$TMPD/keep.pcap"
refusal "-r: bad expression" "$NS_A" capture -r "$TMPD/len.pcap" -w "$TMPD/keep.pcap" 'tcp port'
refusal "live: bad expression" "$NS_A" capture -i "$IF_A" -w "$TMPD/keep.pcap" 'tcp port'
refusal "bad option value" "$NS_A" capture -i "$IF_A" -w "$TMPD/keep.pcap" -c x
refusal "-G to standard output" "$NS_A" capture -i "$IF_A" -w - -G 10

# An interface already inspected by another pktscope.
if ps_start holder "$NS_A" -i "$IF_A" --hook tc; then
	refusal "interface in use by another pktscope" "$NS_A" capture -i "$IF_A" --hook tc -w "$TMPD/keep.pcap"
	ps_stop holder
else
	nok "a first pktscope holds $IF_A"
fi

# An XDP hook held by another program (explicit --hook xdp refuses).
FX=$TMPD/foreign.bpf.o
if clang -O2 -g -target bpf -I"/usr/include/$(gcc -dumpmachine)" -c "$IT_DIR/foreign.bpf.c" \
	-o "$FX" 2>"$TMPD/clang.err" &&
	ip -n "$NS_A" link set dev "$IF_A" xdpgeneric obj "$FX" sec xdp 2>"$TMPD/ip.err"; then
	_CLEANUP_CMDS+=("ip -n $NS_A link set dev $IF_A xdpgeneric off")
	refusal "XDP hook taken by another program" "$NS_A" capture -i "$IF_A" --hook xdp \
		--xdp-mode generic -w "$TMPD/keep.pcap"
	ip -n "$NS_A" link set dev "$IF_A" xdpgeneric off
elif [ "${CI:-}" = true ]; then
	nok "a foreign XDP program holds $IF_A (clang, ip link)"
	diag "$(cat "$TMPD/clang.err" "$TMPD/ip.err" 2>/dev/null)"
else
	skip "XDP hook taken by another program" "the foreign program could not be attached"
fi

# ------------------------------------------------------------ write failures

# "N packets written", "N packets received", "N packets not written" from a
# report on stderr.
report_n() { # file, what
	sed -n "s/^\([0-9]*\) packets $2.*/\1/p" "$1" | head -1
}
accounted() { # label, name: written + not written = received
	local w r nw
	w=$(report_n "$TMPD/$2.err" written)
	r=$(report_n "$TMPD/$2.err" "received from the kernel")
	nw=$(report_n "$TMPD/$2.err" "not written")
	check_eq "$1: written ($w) + not written (${nw:-0}) = received" "${r:-none}" "$((${w:-0} + ${nw:-0}))"
}

ps_run full-r "$NS_A" capture -r "$TMPD/len.pcap" -w /dev/full
check_eq "-r to /dev/full: exit 1" 1 "${RC[full-r]}"
check "-r to /dev/full: says the reason (strerror)" grep -q "No space left on device" "$TMPD/full-r.err"
accounted "-r to /dev/full" full-r

mkdir -p "$TMPD/small"
if mount -t tmpfs -o size=256k tmpfs "$TMPD/small" 2>/dev/null; then
	_CLEANUP_CMDS+=("umount $TMPD/small")
	ps_run fs-full "$NS_A" capture -r "$TMPD/len.pcap" -w "$TMPD/small/out.pcap"
	check_eq "-r to a full file system: exit 1" 1 "${RC[fs-full]}"
	check "-r to a full file system: says the reason" grep -q "No space left on device" "$TMPD/fs-full.err"
	accounted "-r to a full file system" fs-full
	# What was written reads to its end, record for record as tcpdump's.
	n=$(tcpdump -r "$TMPD/small/out.pcap" 2>/dev/null | wc -l)
	tcpdump -r len.pcap -c "$n" -w "$TMPD/first.pcap" 2>/dev/null
	check "-r to a full file system: the file holds whole records, tcpdump's first $n" \
		cmp -s "$TMPD/small/out.pcap" "$TMPD/first.pcap"
	umount "$TMPD/small"
else
	nok "mount a 256 KiB tmpfs"
fi

( ulimit -f 200 && exec "$PKTSCOPE" capture -r "$TMPD/len.pcap" -w "$TMPD/big.pcap" ) \
	>"$TMPD/fsize.out" 2>"$TMPD/fsize.err"
check_eq "-r past RLIMIT_FSIZE: exit 1 (not killed by SIGXFSZ)" 1 "$?"
check "-r past RLIMIT_FSIZE: says the reason" grep -q "File too large" "$TMPD/fsize.err"
accounted "-r past RLIMIT_FSIZE" fsize

# Live: the failure ends the capture at once, without a Ctrl-C.
for fmt in pcap pcapng; do
	args=(); [ $fmt = pcapng ] && args=(--pcapng)
	if ps_start_cmd live-full-$fmt "$NS_A" capture -i "$IF_A" --hook tc -w /dev/full "${args[@]}"; then
		in_ns "$NS_B" ping -c 3 -i 0.2 -W 1 "$IP_A" >/dev/null 2>&1
		if bg_wait live-full-$fmt; then
			ok "live $fmt to /dev/full: stops by itself once a write fails"
			check_eq "live $fmt to /dev/full: exit 1" 1 "${RC[live-full-$fmt]}"
			check "live $fmt to /dev/full: says the reason" grep -q "No space left on device" \
				"$TMPD/live-full-$fmt.err"
			accounted "live $fmt to /dev/full" live-full-$fmt
		else
			nok "live $fmt to /dev/full: stops by itself once a write fails"
			ps_stop live-full-$fmt
		fi
	else
		nok "live $fmt capture to /dev/full starts"
	fi
done

# ------------------------------------------------------------ signals

sig_case() { # label, name, signal: started already; the ms it took is shown
	local t0 t1 ms
	t0=$(date +%s%N)
	bg_stop "$2" "$3"
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	if [ "${RC[$2]}" != hung ] && [ "$ms" -lt 2000 ]; then
		ok "$1: SIG$3 stops it (${ms} ms, exit ${RC[$2]})"
	else
		nok "$1: SIG$3 stops it (${ms} ms, exit ${RC[$2]})"
	fi
}
for sig in INT TERM; do
	for cmd in stats watch "capture -w $TMPD/s.pcap" flows; do
		c=${cmd%% *}
		name=live-$c-$sig
		# shellcheck disable=SC2086
		if ps_start_cmd "$name" "$NS_A" $cmd -i "$IF_A" --hook tc --json; then
			sig_case "live $c" "$name" "$sig"
		else
			nok "live $c starts"
		fi
		# -r from a pipe whose writer sends a record a second: the
		# reader waits in read(2) when the signal comes.
		rm -f fifo
		mkfifo fifo
		bg_start "feed-$c-$sig" "$PY" "$GEN" slowfifo "$TMPD/fifo" 30
		name=fifo-$c-$sig
		# shellcheck disable=SC2086
		bg_start "$name" "$PKTSCOPE" $cmd -r "$TMPD/fifo" --json
		sleep 1.5
		if _is_child "${PID[$name]}"; then
			sig_case "-r from a pipe, $c" "$name" "$sig"
		else
			bg_wait "$name"
			nok "-r from a pipe, $c: still reading when the signal comes (exit ${RC[$name]})"
			diag "$(cat "$TMPD/$name.err")"
		fi
		bg_stop "feed-$c-$sig" KILL
	done
done

#!/usr/bin/env bash
# `pktscope capture` when the disk is the limit (direct I/O, src/capture/capdio.c).
# The disk under the test directory is made slow for pktscope alone: a blkio
# cgroup of its own (cgroup v1 blkio.throttle.write_bps_device, or cgroup
# v2 io.max), writes at 8 MB/s, against a staging ring of 16 MiB.
#
#  - -r of a 24 MB capture: nothing can be lost (the replay waits for the
#    disk), so every record is written, byte for byte tcpdump's rewrite of
#    the file; the report says the capture was disk-bound, on stderr
#    ("disk-bound: N ms waiting for the disk ...") and in --json
#    (disk_bound true, disk_wait_ms > 0, disk_write_MBps > 0);
#  - live, 30,000 full-size frames (42 MB) at tcpreplay's top speed into a
#    64 MiB ring that holds them all: nothing is lost, whatever the CPU
#    gives the reader; the staging ring (16 MiB) fills as the disk writes
#    at 8 MB/s, so the reader waits for the disk and the report says so;
#    every packet the kernel matched is written; the file reads whole
#    with tcpdump.  The stop (SIGINT) waits for the writes in flight:
#    exit 0, nothing left attached.  (Through a small ring, how much is
#    lost and whether the reader ever waits for the disk depend on how
#    much CPU the reader gets: test_refusals and the benchmark cover
#    losses, counted.)
# Nothing here asserts a time: the volumes (24 MB and 42 MB against a
# 16 MiB staging ring and 8 MB/s) leave no room for another outcome.
. "$(dirname "$0")/lib.sh"

require_root
require_tools tcpdump tcpreplay jq findmnt "$PY"
require_pktscope
setup_pair
cd "$TMPD" || bail "cd $TMPD"

RATE=8000000 # bytes/s

# The whole disk under the test directory (throttling is per disk, not
# per partition).
devno=$(findmnt -no MAJ:MIN -T "$TMPD" | tr -d ' ')
[ -e "/sys/dev/block/$devno/partition" ] &&
	devno=$(cat "$(readlink -f "/sys/dev/block/$devno")/../dev")
CG=
if [ -d /sys/fs/cgroup/blkio ] && [ -e /sys/fs/cgroup/blkio/blkio.throttle.write_bps_device ]; then
	CG=/sys/fs/cgroup/blkio/$RUN_ID
	mkdir "$CG" && echo "$devno $RATE" >"$CG/blkio.throttle.write_bps_device" || CG=
elif [ -e /sys/fs/cgroup/cgroup.controllers ] && grep -qw io /sys/fs/cgroup/cgroup.controllers; then
	CG=/sys/fs/cgroup/$RUN_ID
	mkdir "$CG" && echo "$devno wbps=$RATE" >"$CG/io.max" || CG=
fi
[ -n "$CG" ] && _CLEANUP_CMDS+=("rmdir $CG")
[ -n "$CG" ] || skip_all "no blkio/io cgroup controller to slow the disk down with"

# Direct I/O is what is under test: on a file system without it there is
# nothing to see.
"$PY" - "$TMPD/tiny.pcap" <<'EOF' || bail "write tiny.pcap"
import struct, sys
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    d = b"\x02" * 6 + b"\x04" * 6 + b"\x88\xb5" + b"x" * 50
    f.write(struct.pack("<IIII", 1700000000, 0, len(d), len(d)) + d)
EOF
probe=$(nsenter --net="/run/netns/$NS_A" "$PKTSCOPE" capture -r "$TMPD/tiny.pcap" \
	-w "$TMPD/probe.pcap" --json 2>/dev/null | jq -r .direct_io)
[ "$probe" = true ] ||
	skip_all "$TMPD is on $(findmnt -no FSTYPE -T "$TMPD"), which takes no direct I/O"

# N frames of 1400 to 1514 bytes, each different: UDP from A to B.
flood() { # file, count
	"$PY" - "$1" "$2" "$MAC_A" "$MAC_B" <<'EOF'
import struct, sys
path, n = sys.argv[1], int(sys.argv[2])
src = bytes.fromhex(sys.argv[3].replace(":", ""))
dst = bytes.fromhex(sys.argv[4].replace(":", ""))
with open(path, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    for i in range(n):
        pay = struct.pack("!I", i) * ((1400 + i % 115 - 42) // 4)
        udp = struct.pack("!HHHH", 40000 + i % 1000, 9, 8 + len(pay), 0) + pay
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0x4000, 64, 17, 0,
                         bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2]))
        frame = dst + src + b"\x08\x00" + ip + udp
        f.write(struct.pack("<IIII", 1700000000 + i // 10000, i % 10000 * 100, len(frame),
                            len(frame)) + frame)
EOF
}
flood "$TMPD/in.pcap" 16000 || bail "write in.pcap"
tcpdump -r "$TMPD/in.pcap" -w "$TMPD/ref.pcap" 2>/dev/null || bail "tcpdump rewrites in.pcap"

# A command run slowed down: it joins the cgroup, then becomes the command
# (the same pid, for bg_start and signals).
IN_CG=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG")
# jq -e's verdict, without its output.
jtrue() { # filter, json
	jq -e "$1" >/dev/null <<<"$2"
}
rx_b() { ip -n "$NS_B" -j -s link show "$IF_B" | jq '.[0].stats64.rx.packets'; }

# ------------------------------------------------- -r, disk-bound, nothing lost
for mode in text json; do
	args=(); [ $mode = json ] && args=(--json)
	timeout -k 5 120 "${IN_CG[@]}" nsenter --net="/run/netns/$NS_A" -- "$PKTSCOPE" capture \
		-r "$TMPD/in.pcap" -w "$TMPD/r-$mode.pcap" "${args[@]}" \
		>"$TMPD/r-$mode.out" 2>"$TMPD/r-$mode.err" </dev/null
	check_eq "-r, disk slowed to 8 MB/s ($mode): exit 0" 0 "$?"
	check "-r ($mode): every record, byte for byte tcpdump's rewrite of the input" \
		cmp -s "$TMPD/ref.pcap" "$TMPD/r-$mode.pcap"
done
if grep -qE '^disk-bound: [0-9]+ ms waiting for the disk .* it wrote [0-9]+ MB/s$' "$TMPD/r-text.err"; then
	ok "-r: the report says the disk was the limit ($(grep '^disk-bound' "$TMPD/r-text.err"))"
else
	nok "-r: the report says the disk was the limit"
	diag "$(cat "$TMPD/r-text.err")"
fi
check_eq "-r: 16000 packets written, none not written" "16000 packets written|" \
	"$(grep -E '^[0-9]+ packets written' "$TMPD/r-text.err")|$(grep 'not written' "$TMPD/r-text.err")"
j=$(jq -c 'select(.type == "summary")' "$TMPD/r-json.out")
check_eq "-r --json: written 16000, direct_io, disk_bound" "16000 true true" \
	"$(jq -r '"\(.written) \(.direct_io) \(.disk_bound)"' <<<"$j")"
check "-r --json: disk_wait_ms and disk_write_MBps above 0 ($(jq -c '{disk_wait_ms, disk_write_MBps}' <<<"$j"))" \
	jtrue '.disk_wait_ms > 0 and .disk_write_MBps > 0' "$j"

# ------------------------------------------------- live: the ring fills, said
flood "$TMPD/flood.pcap" 30000 || bail "write flood.pcap"
rx0=$(rx_b)
bg_start live "${IN_CG[@]}" nsenter --net="/run/netns/$NS_B" -- "$PKTSCOPE" capture -i "$IF_B" -B 65536 \
	-w "$TMPD/live.pcap" --json
if wait_line "$TMPD/live.err" '^pktscope: watching ' "${PID[live]}"; then
	in_ns "$NS_A" tcpreplay -q -i "$IF_A" --topspeed "$TMPD/flood.pcap" >/dev/null 2>&1 ||
		diag "tcpreplay failed"
	sleep 0.3
	rx1=$(rx_b)
	# The writes in flight take a few seconds at 8 MB/s: the stop waits.
	WAIT_S=60 ps_stop live
	check_eq "live, disk slowed to 8 MB/s: exit 0 after SIGINT" 0 "${RC[live]}"
	j=$(ps_summary live)
	sent=$((rx1 - rx0))
	check_eq "live: the kernel matched every frame that crossed ($sent)" "$sent" \
		"$(jq -r .kernel.matched <<<"$j")"
	check_eq "live: every frame matched is written, none lost (ring full) or not written" \
		"$sent 0 0" "$(jq -r '"\(.written) \(.kernel.lost_ringbuf_full) \(.user.write_errors)"' <<<"$j")"
	check_eq "live: disk_bound, direct_io" "true true" \
		"$(jq -r '"\(.disk_bound) \(.direct_io)"' <<<"$j")"
	check "live: disk_wait_ms above 0 ($(jq -r .disk_wait_ms <<<"$j") ms)" \
		jtrue '.disk_wait_ms > 0' "$j"
	check_eq "live: tcpdump reads the file whole, as many packets as written" \
		"$(jq -r .written <<<"$j")" "$(tcpdump -r "$TMPD/live.pcap" 2>/dev/null | grep -c '')"
else
	nok "live: pktscope capture -i $IF_B starts in the slowed cgroup"
	ps_stop live KILL
fi
check_attached "live: nothing left attached" "$NS_B" "$IF_B" ""

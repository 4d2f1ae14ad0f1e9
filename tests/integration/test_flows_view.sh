#!/usr/bin/env bash
# The live view of `pktscope flows -i` (stdout a terminal, no --json) on a
# real pseudo-terminal: tests/integration/ptyview.py runs it on a pty of a
# fixed size with TERM=xterm and renders what it draws with the pyte terminal
# emulator; the checks read that screen.
#  - the title, the status line (exact counts) and the column header (in
#    reverse video, exactly the header of the table), then one row per
#    conversation sent over the veth pair (a ping, two UDP flows with bound
#    ports): endpoints, protocol, exact packets and bytes each way;
#  - keys: p, b, r, a name the sort in the bottom line and order the rows
#    (one flow has more packets but fewer bytes than another; only one is
#    sending during r; first seen for a); g cycles 5-tuple, host pair,
#    source, destination (header and rows change, sums exact) and back;
#  - resizes (TIOCSWINSZ, SIGWINCH) to smaller, tiny and larger windows: the
#    view is redrawn to the new size (bottom line on the last row, header
#    cut at the width, as many rows as fit);
#  - q: exit status 0 by itself, the terminal's modes restored, the curses
#    exit sequences (rmcup, cnorm) sent, the alternate screen left, the
#    report written; SIGINT (signal, and ^C typed at the terminal) the same;
#    nothing stays attached (at --hook xdp and tc);
#  - a terminal type curses does not know: pktscope's own one-line error,
#    exit status 1, nothing attached (curses' initscr() used to print its
#    own message and exit() past pktscope's cleanup).
# Waits poll the rendered screen up to a bound; nothing is asserted about
# timing.
. "$(dirname "$0")/lib.sh"

require_root
require_tools jq nsenter ping "$PY"
"$PY" -c 'import pyte' 2>/dev/null ||
	skip_all "the pyte terminal emulator is missing (apt-get install python3-pyte)"
require_pktscope
setup_pair

COLS=160 # wide enough for a whole row (153 columns)
ROWS=30
N_PING=4
PING_FRAME=98             # ping's default 56 bytes of data
# Two UDP flows with orders that tell the sorts apart: F3 has the most
# packets, F2 the most bytes; F4 (started later, slow) neither for a while,
# but the only rate.
F2_SPORT=7201 F2_DPORT=7202 # A -> B: a few full-size datagrams
F2_N=10
F2_SIZE=1472
F2_FRAME=$((14 + 20 + 8 + F2_SIZE))
F3_SPORT=7203 F3_DPORT=7204 # B -> A: many small datagrams
F3_N=100
F3_SIZE=8
F3_FRAME=$((14 + 20 + 8 + F3_SIZE))
F4_SPORT=7205 F4_DPORT=7206 # B -> A: small datagrams every 50 ms until stopped
ATT_XDP=$(printf 'tcx/egress ps_tc_egress\nxdp driver ps_xdp')
ATT_TC=$(printf 'tcx/egress ps_tc_egress\ntcx/ingress ps_tc_ingress')

# UDP from a bound source port: COUNT datagrams (0: until SIGINT), GAP
# seconds apart; prints how many were sent.
SENDER='import signal, socket, sys, time
src, sport, dst, dport = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
count, size, gap = int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
stop = []
signal.signal(signal.SIGINT, lambda *_: stop.append(1))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, sport))
n = 0
while not stop and (count == 0 or n < count):
    s.sendto(b"u" * size, (dst, dport))
    n += 1
    time.sleep(gap)
print(n)'

# pktscope's own compact numbers (flowagg.c human()): 784, 15.1K, 2.0M.
hum() {
	awk -v v="$1" 'BEGIN { split(",K,M,G,T,P", p, ","); i = 1
		while (v >= 1000 && i < 6) { v /= 1000; i++ }
		if (i > 1) printf "%.1f%s\n", v, p[i]; else printf "%.0f\n", v }'
}
# The header the view draws for a grouping (flowagg.c's table header).
header() { # 5tuple|other
	local first=PROTO
	[ "$1" = 5tuple ] || first=FLOWS
	printf '%-6s %-30s %-30s %9s %10s %9s %10s %10s %8s %-11s %9s' "$first" A B 'PKTS>' \
		'BYTES>' '<PKTS' '<BYTES' RATE AGE STATE RTT | sed 's/ *$//'
}
bottom() { # sort, grouping
	echo "sort: $1 (b bytes, p packets, r rate, a age)   by: $2 (g next)   q quit"
}
cut_to() { cut -c "1-$1" | sed 's/ *$//'; }

# ------------------------------------------------------------ the pty

V= # the running view's ptyview directory
# PTY_TERM=NAME before the call: the terminal type (default xterm).
view_start() { # name, pktscope flows arguments after -i IFACE...
	local name=$1 term=()
	shift
	V=$TMPD/$name.pty
	mkdir -p "$V"
	[ -n "${PTY_TERM:-}" ] && term=(--term "$PTY_TERM")
	bg_start "$name" "$PY" "$IT_DIR/ptyview.py" "${term[@]}" "$V" "$COLS" "$ROWS" -- \
		nsenter --net="/run/netns/$NS_A" -- "$PKTSCOPE" flows -i "$IF_A" --interval 0.2 "$@"
}
send() { # ptyview command ("key p", "resize 100 20", "signal INT")
	# bounded: a FIFO whose reader is gone would block the writer
	timeout 5 bash -c 'printf "%s\n" "$1" >"$2"' _ "$1" "$V/ctl" ||
		diag "could not send '$1' to ptyview"
}
scr_line() { sed -n "$(($1 + 1))p" "$V/screen" 2>/dev/null; } # 0-based row
scr_last() { tail -n 1 "$V/screen" 2>/dev/null; }
scr_size() { # "ROWS COLS-of-the-longest-line"
	awk '{ if (length($0) > w) w = length($0) } END { print NR, w + 0 }' "$V/screen" 2>/dev/null
}
# The rows between the header and the bottom line, the first NF fields.
scr_rows() { # fields
	awk -v nf="$1" -v n="$(grep -c '' "$V/screen" 2>/dev/null)" 'NR > 3 && NR < n && NF {
		s = $1; for (i = 2; i <= nf; i++) s = s " " $i; print s }' "$V/screen" 2>/dev/null
}
nrows() { scr_rows 1 | grep -c ''; }
show_screen() {
	diag "the screen (${1:-now}):"
	diag "$(sed 's/^/|/' "$V/screen" 2>/dev/null)"
}
# Polls (bounded) until the command prints the expected text, then checks
# it; the screen is shown when it never does.
check_screen() { # description, expected, command...
	local desc=$1 exp=$2 got i
	shift 2
	for ((i = 0; i < WAIT_S * 10; i++)); do
		got=$("$@")
		[ "$got" == "$exp" ] && break
		sleep 0.1
	done
	check_eq "$desc" "$exp" "$got"
	[ "$got" == "$exp" ] && return 0
	show_screen
	return 1
}
# After the view exited: ptyview's verdicts on the terminal.
check_exit() { # label, name
	local ex
	ex=$(cat "$V/exit" 2>/dev/null)
	check_eq "$1: exit status 0" "0" "${RC[$2]}"
	[ "${RC[$2]}" = 0 ] || { diag "ptyview: $ex"; diag "$(tail -c 1500 "$TMPD/$2.err")"; show_screen; }
	check_eq "$1: the terminal's modes are restored (termios as before)" "termios restored" \
		"$(grep '^termios' <<<"$ex")"
	check_eq "$1: the curses exit sequences (rmcup, cnorm) end the output" "tail-exit-seq yes" \
		"$(grep '^tail-exit-seq' <<<"$ex")"
	if grep -qE '^(pktscope flows:|sort: )' "$V/screen"; then
		nok "$1: the alternate screen is left: the view is gone from the terminal"
		show_screen "after exit"
	else
		ok "$1: the alternate screen is left: the view is gone from the terminal"
	fi
}
bail_view() { # name, description: ptyview's own errors, then bail
	diag "ptyview's stderr: $(tail -c 2000 "$TMPD/$1.err")"
	bail "$2"
}
wait_ready() { # file: bounded wait for a receiver's ready file
	local i
	for ((i = 0; i < WAIT_S * 10; i++)); do [ -e "$1" ] && return 0; sleep 0.1; done
	return 1
}
udp_recv_start() { # name, ns, ip, port, count
	bg_start "$1" nsenter --net="/run/netns/$2" -- "$PY" "$IT_DIR/pkt.py" udp-recv "$3" "$4" "$5" 15 "$TMPD/$1.ready"
	wait_ready "$TMPD/$1.ready" || diag "receiver $1 did not start: $(cat "$TMPD/$1.err")"
}

# ------------------------------------------------- 1: the view, keys, resize

view_start view --hook xdp
check_screen "view: the title names the interface" "pktscope flows: $IF_A" scr_line 0 ||
	bail_view view "the live view of pktscope flows -i $IF_A came up on the terminal"
check_screen "view: the status line, nothing seen yet" \
	"0 flows (table 65536), 0 packets in flows, 0 overflow (table full), 0 not IP, 0 records" scr_line 1
check_screen "view: the column header" "$(header 5tuple)" scr_line 2
check_eq "view: the header, and only it, in reverse video" "2" "$(cat "$V/reverse" 2>/dev/null)"
check_screen "view: the bottom line: sort by bytes, by 5tuple, the keys" "$(bottom bytes 5tuple)" scr_last
check_eq "view: the screen has $ROWS rows" "$ROWS" "$(scr_size | cut -d' ' -f1)"
check_attached "view: pktscope flows attached to $IF_A" "$NS_A" "$IF_A" "$ATT_XDP"

# --- the traffic: known conversations, exact counts
in_ns "$NS_A" ping -c $N_PING -i 0.2 -q "$IP_B" >/dev/null || nok "ping $IP_B from $NS_A"
udp_recv_start rcv2 "$NS_B" "$IP_B" $F2_DPORT $F2_N
sent=$(in_ns "$NS_A" "$PY" -c "$SENDER" "$IP_A" $F2_SPORT "$IP_B" $F2_DPORT $F2_N $F2_SIZE 0.002)
bg_wait rcv2
check_eq "UDP $IP_A.$F2_SPORT -> $IP_B.$F2_DPORT: $F2_N datagrams sent and received" "$F2_N $F2_N" \
	"$sent $(cat "$TMPD/rcv2.out")"
udp_recv_start rcv3 "$NS_A" "$IP_A" $F3_DPORT $F3_N
sent=$(in_ns "$NS_B" "$PY" -c "$SENDER" "$IP_B" $F3_SPORT "$IP_A" $F3_DPORT $F3_N $F3_SIZE 0.002)
bg_wait rcv3
check_eq "UDP $IP_B.$F3_SPORT -> $IP_A.$F3_DPORT: $F3_N datagrams sent and received" "$F3_N $F3_N" \
	"$sent $(cat "$TMPD/rcv3.out")"

R1="icmp $IP_A $IP_B $N_PING $(hum $((N_PING * PING_FRAME))) $N_PING $(hum $((N_PING * PING_FRAME)))"
R2="udp $IP_A.$F2_SPORT $IP_B.$F2_DPORT $F2_N $(hum $((F2_N * F2_FRAME))) 0 0"
R3="udp $IP_B.$F3_SPORT $IP_A.$F3_DPORT $F3_N $(hum $((F3_N * F3_FRAME))) 0 0"
NPKT=$((2 * N_PING + F2_N + F3_N))
check_screen "view: the status line counts 3 flows, $NPKT packets" \
	"3 flows (table 65536), $NPKT packets in flows, 0 overflow (table full), 0 not IP, 0 records" scr_line 1
check_screen "view: one row per conversation, exact packets and bytes each way, by bytes" \
	"$(printf '%s\n' "$R2" "$R3" "$R1")" scr_rows 7

# --- sort keys
send "key p"
check_screen "key p: the bottom line says sort: packets" "$(bottom packets 5tuple)" scr_last
check_screen "key p: rows by packets ($F3_N small datagrams before $F2_N large ones)" \
	"$(printf '%s\n' "$R3" "$R2" "$R1")" scr_rows 7
send "key b"
check_screen "key b: the bottom line says sort: bytes" "$(bottom bytes 5tuple)" scr_last
check_screen "key b: rows by bytes again" "$(printf '%s\n' "$R2" "$R3" "$R1")" scr_rows 7

# a fourth flow that keeps sending: the only one with a rate
udp_recv_start rcv4 "$NS_A" "$IP_A" $F4_DPORT 1000000
bg_start snd4 nsenter --net="/run/netns/$NS_B" -- "$PY" -c "$SENDER" "$IP_B" $F4_SPORT "$IP_A" $F4_DPORT 0 $F3_SIZE 0.05
E4="udp $IP_B.$F4_SPORT $IP_A.$F4_DPORT"
check_screen "view: the fourth flow appears" "4" nrows
send "key r"
check_screen "key r: the bottom line says sort: rate" "$(bottom rate 5tuple)" scr_last
first_row() { scr_rows 3 | head -n 1; }
check_screen "key r: the flow still sending comes first" "$E4" first_row
send "key a"
check_screen "key a: the bottom line says sort: age" "$(bottom age 5tuple)" scr_last
check_screen "key a: rows by first packet, oldest first" \
	"$(printf '%s\n' "icmp $IP_A $IP_B" "udp $IP_A.$F2_SPORT $IP_B.$F2_DPORT" \
		"udp $IP_B.$F3_SPORT $IP_A.$F3_DPORT" "$E4")" scr_rows 3
bg_stop snd4
N4=$(cat "$TMPD/snd4.out")
bg_stop rcv4
R4="$E4 $(hum "$N4") $(hum $((N4 * F3_FRAME))) 0 0"
check_screen "view: the fourth flow, stopped, has every datagram sent ($N4)" \
	"$(printf '%s\n' "$R1" "$R2" "$R3" "$R4")" scr_rows 7

# --- grouping, by age (a deterministic order)
UP_P=$((N_PING + F2_N)) UP_B=$((N_PING * PING_FRAME + F2_N * F2_FRAME))
DN_P=$((N_PING + F3_N + N4)) DN_B=$((N_PING * PING_FRAME + (F3_N + N4) * F3_FRAME))
BA_P=$((F3_N + N4)) BA_B=$(((F3_N + N4) * F3_FRAME))
send "key g"
check_screen "key g: by hostpair in the bottom line" "$(bottom age hostpair)" scr_last
check_screen "key g: the header's first column counts flows" "$(header hostpair)" scr_line 2
check_screen "key g: one row for the host pair, its 4 conversations summed each way" \
	"4 $IP_A $IP_B $(hum $UP_P) $(hum $UP_B) $(hum $DN_P) $(hum $DN_B)" scr_rows 7
send "key g"
check_screen "key g: by src in the bottom line" "$(bottom age src)" scr_last
check_screen "key g: one row per host that started conversations" \
	"$(printf '%s\n' "2 $IP_A * $UP_P $(hum $UP_B) $N_PING $(hum $((N_PING * PING_FRAME)))" \
		"2 $IP_B * $(hum $BA_P) $(hum $BA_B) 0 0")" scr_rows 7
send "key g"
check_screen "key g: by dst in the bottom line" "$(bottom age dst)" scr_last
check_screen "key g: one row per host that was sent conversations" \
	"$(printf '%s\n' "2 * $IP_B $UP_P $(hum $UP_B) $N_PING $(hum $((N_PING * PING_FRAME)))" \
		"2 * $IP_A $(hum $BA_P) $(hum $BA_B) 0 0")" scr_rows 7
send "key g"
check_screen "key g: back to 5tuple in the bottom line" "$(bottom age 5tuple)" scr_last
check_screen "key g: the 5-tuple header again" "$(header 5tuple)" scr_line 2
check_screen "key g: the 5-tuple rows again" "$(printf '%s\n' "$R1" "$R2" "$R3" "$R4")" scr_rows 7

# --- resizes
send "resize 100 20"
check_screen "resize 100x20: the bottom line on row 20" "$(bottom age 5tuple | cut_to 100)" scr_line 19
check_screen "resize 100x20: the header cut at 100 columns" "$(header 5tuple | cut_to 100)" scr_line 2
check_screen "resize 100x20: the 4 rows" "$(printf '%s\n' "$R1" "$R2" "$R3" "$R4" | cut -d' ' -f1-3)" scr_rows 3
send "resize 60 6"
check_screen "resize 60x6: the bottom line on row 6" "$(bottom age 5tuple | cut_to 60)" scr_line 5
check_screen "resize 60x6: the 2 rows that fit" "$(printf '%s\n' "$R1" "$R2" | cut -d' ' -f1-3)" scr_rows 3
send "resize 12 2"
check_screen "resize 12x2: the bottom line on row 2" "$(bottom age 5tuple | cut_to 12)" scr_line 1
send "resize 140 40"
check_screen "resize 140x40: the bottom line on row 40" "$(bottom age 5tuple)" scr_line 39
check_screen "resize 140x40: the title again" "pktscope flows: $IF_A" scr_line 0
check_screen "resize 140x40: the header cut at 140 columns" "$(header 5tuple | cut_to 140)" scr_line 2
check_screen "resize 140x40: the rows, counts unchanged" "$(printf '%s\n' "$R1" "$R2" "$R3" "$R4")" scr_rows 7
check_eq "resize 140x40: the screen has 40 rows" "40" "$(scr_size | cut -d" " -f1)"

# --- q
send "key q"
if bg_wait view 5; then
	ok "key q: pktscope flows exits by itself within 5 s"
else
	nok "key q: pktscope flows exits by itself within 5 s"
	show_screen
fi
check_exit "key q" view
if grep -q "^4 flow records written " "$V/screen"; then
	ok "key q: the report follows on the terminal (4 flow records written)"
else
	nok "key q: the report follows on the terminal (4 flow records written)"
	show_screen "after exit"
fi
# The view was what was asked for: the flows left at exit go to the count
# (and a collector), not as JSON lines onto the terminal.
check_eq "key q: no JSON flow record printed on the terminal after the view" "" \
	"$(grep -E '^\{"type":"flow"' "$V/screen" | head -3)"
check_attached "key q: nothing attached to $IF_A" "$NS_A" "$IF_A" ""

# ------------------------------------------------------------ 2, 3: SIGINT

view_start view-int
check_screen "SIGINT: the view came up" "$(bottom bytes 5tuple)" scr_last ||
	bail_view view-int "the live view of pktscope flows -i $IF_A came up on the terminal"
send "signal INT"
bg_wait view-int 5 || nok "SIGINT: pktscope flows exits by itself within 5 s"
check_exit "SIGINT" view-int
check_attached "SIGINT: nothing attached to $IF_A" "$NS_A" "$IF_A" ""

view_start view-ctrlc --hook tc
check_screen "^C (--hook tc): the view came up" "$(bottom bytes 5tuple)" scr_last ||
	bail_view view-ctrlc "the live view of pktscope flows -i $IF_A --hook tc came up on the terminal"
check_attached "^C (--hook tc): attached at TC on $IF_A" "$NS_A" "$IF_A" "$ATT_TC"
send 'key \x03'
bg_wait view-ctrlc 5 || nok "^C (--hook tc): pktscope flows exits by itself within 5 s"
check_exit "^C typed at the terminal (--hook tc)" view-ctrlc
check_attached "^C (--hook tc): nothing attached to $IF_A" "$NS_A" "$IF_A" ""

# ------------------------------------------------- 4: a terminal type unknown

BADTERM=pktscope-no-such-term
PTY_TERM=$BADTERM view_start view-term
bg_wait view-term || nok "TERM=$BADTERM: pktscope flows exits by itself"
check_eq "TERM=$BADTERM: exit status 1" 1 "${RC[view-term]}"
msg="pktscope: cannot open the terminal view for TERM=$BADTERM: set TERM to your terminal's type, or use --json"
check_screen "TERM=$BADTERM: pktscope's own error line, and not curses' exit" "$msg" \
	grep -E '^(pktscope: cannot|Error opening)' "$V/screen"
check_eq "TERM=$BADTERM: the terminal's modes are untouched" "termios restored" \
	"$(grep '^termios' "$V/exit" 2>/dev/null)"
check_attached "TERM=$BADTERM: nothing attached to $IF_A" "$NS_A" "$IF_A" ""

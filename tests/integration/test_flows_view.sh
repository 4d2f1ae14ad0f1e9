#!/usr/bin/env bash
# The live view of `pktscope flows -i` (stdout a terminal, no --json) on a
# real pseudo-terminal: tests/integration/ptyview.py runs it on a pty of a
# fixed size with TERM=xterm and renders what it draws with the pyte terminal
# emulator; the checks read that screen.
#  - 80x24 by default: the title, the status line (exact counts), the
#    column header (in reverse video) and one row per conversation sent
#    over the veth pair (a ping, two UDP flows with bound ports): exact
#    text, columns and alignment, but for the rates and ages, which are
#    checked by their form (and the rates by their value further on);
#  - the conversations end (--idle-timeout 2) and stay on the screen,
#    dimmed, marked "ended" where the STATE column fits;
#  - the same screen at 100, 60 and 140 columns: the columns kept are the
#    most important that fit (endpoints, the sort column, the 2 s rate,
#    protocol, total bytes, the 10 and 40 s rates, bytes each way, state,
#    packets, age...), nothing cut; below what the endpoints need, a line
#    saying so instead of cut addresses;
#  - keys: p, b, a name the sort in the bottom line, order the rows, and
#    the sort column is always shown; g cycles 5-tuple, host pair, source,
#    destination (header and rows change, sums exact) and back;
#  - iftop's rates: UDP paced at 100 datagrams of 1042 bytes a second
#    (833.6 kb/s) for 44 s: the 2 and 10 s rates after 12 and 43 s and
#    the 40 s rate after 43 s within 10% of what was sent; r puts it first;
#    the conversations that ended before it are gone 40 s after their end;
#    once it stops it ends, dimmed, with every datagram sent;
#  - q: exit status 0 by itself, the terminal's modes restored, the curses
#    exit sequences (rmcup, cnorm) sent, the alternate screen left, the
#    report written; SIGINT (signal, and ^C typed at the terminal) and
#    SIGTERM the same, with --interval 30, within 2 s (the time taken is
#    printed); nothing stays attached (at --hook xdp and tc);
#  - a terminal type curses does not know: pktscope's own one-line error,
#    exit status 1, nothing attached (curses' initscr() used to print its
#    own message and exit() past pktscope's cleanup).
# Waits poll the rendered screen up to a bound; nothing is asserted about
# timing but the 2 s bound on stopping.
. "$(dirname "$0")/lib.sh"

require_root
require_tools jq nsenter ping "$PY"
"$PY" -c 'import pyte' 2>/dev/null ||
	skip_all "the pyte terminal emulator is missing (apt-get install python3-pyte)"
require_pktscope
setup_pair

COLS=80 # the view's design width, iftop's
ROWS=24
N_PING=4
PING_FRAME=98             # ping's default 56 bytes of data
# Two UDP flows with orders that tell the sorts apart: F2 has the most
# bytes, F3 the most packets, the ping the fewest of both and the oldest.
F2_SPORT=7201 F2_DPORT=7202 # A -> B: a few full-size datagrams
F2_N=10
F2_SIZE=1472
F2_FRAME=$((14 + 20 + 8 + F2_SIZE))
F3_SPORT=7203 F3_DPORT=7204 # B -> A: many small datagrams
F3_N=100
F3_SIZE=8
F3_FRAME=$((14 + 20 + 8 + F3_SIZE))
F4_SPORT=7205 F4_DPORT=7206 # B -> A: paced, 100 a second for 44 s
F4_PPS=100
F4_SIZE=1000
F4_FRAME=$((14 + 20 + 8 + F4_SIZE))
F4_SECS=44
ATT_XDP=$(printf 'tcx/egress ps_tc_egress\nxdp driver ps_xdp')
ATT_TC=$(printf 'tcx/egress ps_tc_egress\ntcx/ingress ps_tc_ingress')

# UDP from a bound source port: COUNT datagrams GAP seconds apart (COUNT 0:
# RATE a second on an absolute schedule for SECS seconds, or until SIGINT);
# prints how many were sent.
SENDER='import signal, socket, sys, time
src, sport, dst, dport = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
count, size, gap = int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
rate, secs = (float(sys.argv[8]), float(sys.argv[9])) if len(sys.argv) > 9 else (0, 0)
stop = []
signal.signal(signal.SIGINT, lambda *_: stop.append(1))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, sport))
n = 0
t0 = time.monotonic()
while not stop and (count == 0 or n < count):
    if rate and n >= rate * secs:
        break
    s.sendto(b"u" * size, (dst, dport))
    n += 1
    if rate:
        d = t0 + n / rate - time.monotonic()
        if d > 0:
            time.sleep(d)
    else:
        time.sleep(gap)
print(n)'

# pktscope's own compact numbers (flowtable.c ps_human()): 784, 15.1K, 2.0M.
hum() {
	awk -v v="$1" 'BEGIN { split(",K,M,G,T,P", p, ","); i = 1
		while (v >= 1000 && i < 6) { v /= 1000; i++ }
		if (i > 1) printf "%.1f%s\n", v, p[i]; else printf "%.0f\n", v }'
}
# A line of cells "TEXT:WIDTH:l|r", padded and joined by one blank, no
# trailing blanks: the widths are worked out in the comments where used.
cells() {
	local c out="" t w a
	for c in "$@"; do
		t=${c%:*:*}
		w=${c%:*}
		w=${w##*:}
		a=${c##*:}
		[ -n "$out" ] && out+=" "
		if [ "$a" = l ]; then out+=$(printf '%-*s' "$w" "$t"); else out+=$(printf '%*s' "$w" "$t"); fi
	done
	sed 's/ *$//' <<<"$out"
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
		nsenter --net="/run/netns/$NS_A" -- "$PKTSCOPE" flows -i "$IF_A" "$@"
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
scr_dim() { cat "$V/dim" 2>/dev/null; }
# The screen's rows 3.. up to the bottom line, with each cell the expected
# text marks '#' (a rate: 833.6Kb, 0b) or '@' (an age: 12.3s, 1.5m) turned
# into those marks when it has that form: the rest is compared exactly.
scr_masked() { # expected rows, one per line
	"$PY" - "$V/screen" "$1" <<'PYEOF'
import re, sys
scr = open(sys.argv[1]).read().split("\n")
want = sys.argv[2].split("\n")
forms = {"#": r"\d+(\.\d)?[KMGTP]?b", "@": r"\d+\.\d[smhd]"}
out = []
for i, w in enumerate(want):
    g = scr[3 + i] if 3 + i < len(scr) else ""
    line = list(g)
    for m in re.finditer(r"#+|@+", w):
        a, b = m.span()
        cell = g[a:b].strip() if len(g) >= b else None
        if cell is not None and re.fullmatch(forms[m.group()[0]], cell) and \
           g[a:b] == cell.rjust(b - a):
            line[a:b] = m.group()
    out.append("".join(line).rstrip())
print("\n".join(out))
PYEOF
}
# A rate cell of the row whose first cells are PREFIX, in b/s.
scr_rate() { # prefix (PROTO A B), column number (1-based field)
	awk -v p="$1" -v f="$2" 'index($0, p) == 1 { print $f; exit }' "$V/screen" 2>/dev/null |
		sed -E 's/b$//; s/K$/e3/; s/M$/e6/; s/G$/e9/' | awk '{ printf "%.0f\n", $1 + 0 }'
}
within() { # value, reference, percent: true when |value - ref| <= pct% of ref
	awk -v v="$1" -v r="$2" -v p="$3" 'BEGIN { d = v - r; if (d < 0) d = -d; exit !(v != "" && d <= r * p / 100) }'
}

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
udp_recv_start() { # name, ns, ip, port, count [seconds, default 15]
	bg_start "$1" nsenter --net="/run/netns/$2" -- "$PY" "$IT_DIR/pkt.py" udp-recv "$3" "$4" "$5" "${6:-15}" "$TMPD/$1.ready"
	wait_ready "$TMPD/$1.ready" || diag "receiver $1 did not start: $(cat "$TMPD/$1.err")"
}

# ------------------------------------------------- 1: the view, keys, resize

view_start view --hook xdp --interval 0.2 --idle-timeout 2
check_screen "view: the title names the interface" "pktscope flows: $IF_A" scr_line 0 ||
	bail_view view "the live view of pktscope flows -i $IF_A came up on the terminal"
check_screen "view: the status line, nothing seen yet" \
	"flows 0 (0 ended)  packets 0  overflow 0  not-IP 0  table 0/65536  records 0" scr_line 1
# No rows: A and B are 1 wide; then BYTES (the sort column, 6), 2s (7),
# PROTO (5), 10s, 40s, BYTES> <BYTES, STATE (11), PKTS, AGE: 80 columns.
H0=$(cells PROTO:5:l A:1:l B:1:l 2s:7:r 10s:7:r 40s:7:r PKTS:6:r BYTES:6:r 'BYTES>:6:r' '<BYTES:6:r' \
	AGE:6:r STATE:11:l)
check_screen "view: the column header at 80 columns" "$H0" scr_line 2
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

NPKT=$((2 * N_PING + F2_N + F3_N))
B1=$((2 * N_PING * PING_FRAME)) B1H=$((N_PING * PING_FRAME))
B2=$((F2_N * F2_FRAME)) B3=$((F3_N * F3_FRAME))
# The conversations end 2 s after their last packet, and stay.
check_screen "view: the status line: 3 conversations, all ended, $NPKT packets, 3 records" \
	"flows 3 (3 ended)  packets $NPKT  overflow 0  not-IP 0  table 0/65536  records 3" scr_line 1
# A and B: 14 wide (192.0.2.1.7201); BYTES, 2s, PROTO, 10s, 40s and the
# bytes each way fill the 80 columns exactly.
W=(PROTO:5:l A:14:l B:14:l 2s:7:r 10s:7:r 40s:7:r BYTES:6:r 'BYTES>:6:r' '<BYTES:6:r')
R=('#######:7:r' '#######:7:r' '#######:7:r')
check_screen "80x24: the header: protocol, endpoints, the three rates, bytes in all and each way" \
	"$(cells "${W[@]}")" scr_line 2
E80=$(printf '%s\n' \
	"$(cells udp:5:l $IP_A.$F2_SPORT:14:l $IP_B.$F2_DPORT:14:l "${R[@]}" "$(hum $B2):6:r" "$(hum $B2):6:r" 0:6:r)" \
	"$(cells udp:5:l $IP_B.$F3_SPORT:14:l $IP_A.$F3_DPORT:14:l "${R[@]}" "$(hum $B3):6:r" "$(hum $B3):6:r" 0:6:r)" \
	"$(cells icmp:5:l $IP_A:14:l $IP_B:14:l "${R[@]}" "$(hum $B1):6:r" "$(hum $B1H):6:r" "$(hum $B1H):6:r")")
check_screen "80x24: one row per conversation, by bytes, exact counts, nothing cut" "$E80" scr_masked "$E80"
check_eq "80x24: the ended conversations' rows are dimmed" "3 4 5" "$(scr_dim)"
check_screen "80x24: the header and rows end within 80 columns" "24 80" scr_size

# --- sort keys: the sort column is always kept
send "key p"
scr_pkts() { scr_rows 7 | awk '{ print $1, $2, $3, $7 }'; }
check_screen "key p: the bottom line says sort: packets" "$(bottom packets 5tuple)" scr_last
# PKTS first after the endpoints: 29 + 7, 2s, PROTO, BYTES, 10s, 40s = 73;
# the bytes each way no longer fit
check_screen "key p: the PKTS column is shown, the header as it fits" \
	"$(cells PROTO:5:l A:14:l B:14:l 2s:7:r 10s:7:r 40s:7:r PKTS:6:r BYTES:6:r)" scr_line 2
check_screen "key p: rows by packets ($F3_N small datagrams, $F2_N large ones, the ping)" \
	"$(printf '%s\n' "udp $IP_B.$F3_SPORT $IP_A.$F3_DPORT $F3_N" "udp $IP_A.$F2_SPORT $IP_B.$F2_DPORT $F2_N" \
		"icmp $IP_A $IP_B $((2 * N_PING))")" scr_pkts
send "key a"
check_screen "key a: the bottom line says sort: age" "$(bottom age 5tuple)" scr_last
check_screen "key a: the AGE column is shown" \
	"$(cells PROTO:5:l A:14:l B:14:l 2s:7:r 10s:7:r 40s:7:r BYTES:6:r AGE:6:r)" scr_line 2
check_screen "key a: rows by first packet, oldest first" \
	"$(printf '%s\n' "icmp $IP_A $IP_B" "udp $IP_A.$F2_SPORT $IP_B.$F2_DPORT" "udp $IP_B.$F3_SPORT $IP_A.$F3_DPORT")" \
	scr_rows 3
send "key b"
check_screen "key b: by bytes again" "$E80" scr_masked "$E80"

# --- widths
send "resize 100 24"
# 100: + STATE (11) and PKTS: 99; AGE would not fit
E100=$(printf '%s\n' \
	"$(cells udp:5:l $IP_A.$F2_SPORT:14:l $IP_B.$F2_DPORT:14:l "${R[@]}" $F2_N:6:r "$(hum $B2):6:r" "$(hum $B2):6:r" 0:6:r ended:11:l)" \
	"$(cells udp:5:l $IP_B.$F3_SPORT:14:l $IP_A.$F3_DPORT:14:l "${R[@]}" $F3_N:6:r "$(hum $B3):6:r" "$(hum $B3):6:r" 0:6:r ended:11:l)" \
	"$(cells icmp:5:l $IP_A:14:l $IP_B:14:l "${R[@]}" $((2 * N_PING)):6:r "$(hum $B1):6:r" "$(hum $B1H):6:r" "$(hum $B1H):6:r" ended:11:l)")
check_screen "100x24: the header adds PKTS and STATE" \
	"$(cells PROTO:5:l A:14:l B:14:l 2s:7:r 10s:7:r 40s:7:r PKTS:6:r BYTES:6:r 'BYTES>:6:r' '<BYTES:6:r' STATE:11:l)" scr_line 2
check_screen "100x24: the rows, each marked ended" "$E100" scr_masked "$E100"
send "resize 60 24"
# 60: endpoints 29, BYTES, 2s, PROTO, 10s: 58
check_screen "60x24: the header keeps protocol, endpoints, 2 s and 10 s rates, bytes" \
	"$(cells PROTO:5:l A:14:l B:14:l 2s:7:r 10s:7:r BYTES:6:r)" scr_line 2
E60=$(printf '%s\n' \
	"$(cells udp:5:l $IP_A.$F2_SPORT:14:l $IP_B.$F2_DPORT:14:l '#######:7:r' '#######:7:r' "$(hum $B2):6:r")" \
	"$(cells udp:5:l $IP_B.$F3_SPORT:14:l $IP_A.$F3_DPORT:14:l '#######:7:r' '#######:7:r' "$(hum $B3):6:r")" \
	"$(cells icmp:5:l $IP_A:14:l $IP_B:14:l '#######:7:r' '#######:7:r' "$(hum $B1):6:r")")
check_screen "60x24: the rows, whole addresses" "$E60" scr_masked "$E60"
check_screen "60x24: the status line keeps what fits, the losses first" \
	"flows 3 (3 ended)  packets $NPKT  overflow 0  not-IP 0" scr_line 1
send "resize 140 40"
# 140: every column, 130 wide
check_screen "140x40: every column" \
	"$(cells PROTO:5:l A:14:l B:14:l 2s:7:r 10s:7:r 40s:7:r PKTS:6:r BYTES:6:r 'PKTS>:6:r' 'BYTES>:6:r' \
		'<PKTS:6:r' '<BYTES:6:r' AGE:6:r STATE:11:l RTT:9:r)" scr_line 2
A6='@@@@@@:6:r'
E140=$(printf '%s\n' \
	"$(cells udp:5:l $IP_A.$F2_SPORT:14:l $IP_B.$F2_DPORT:14:l "${R[@]}" $F2_N:6:r "$(hum $B2):6:r" $F2_N:6:r "$(hum $B2):6:r" 0:6:r 0:6:r $A6 ended:11:l -:9:r)" \
	"$(cells udp:5:l $IP_B.$F3_SPORT:14:l $IP_A.$F3_DPORT:14:l "${R[@]}" $F3_N:6:r "$(hum $B3):6:r" $F3_N:6:r "$(hum $B3):6:r" 0:6:r 0:6:r $A6 ended:11:l -:9:r)" \
	"$(cells icmp:5:l $IP_A:14:l $IP_B:14:l "${R[@]}" $((2 * N_PING)):6:r "$(hum $B1):6:r" $N_PING:6:r "$(hum $B1H):6:r" $N_PING:6:r "$(hum $B1H):6:r" $A6 ended:11:l -:9:r)")
check_screen "140x40: the rows, every cell" "$E140" scr_masked "$E140"
check_eq "140x40: the screen has 40 rows" "40" "$(scr_size | cut -d" " -f1)"
send "resize 25 24"
check_screen "25x24: narrower than the two endpoints: no row cut, what they need instead" \
	"needs 29 columns" scr_line 3
send "resize 12 2"
check_screen "12x2: the bottom line on row 2" "$(echo "sort: bytes  by: 5tuple  keys: b p r a g q" | cut_to 12)" scr_line 1
send "resize 80 24"
check_screen "80x24 again: the same rows" "$E80" scr_masked "$E80"

# --- grouping
send "key g"
check_screen "key g: by hostpair in the bottom line" "$(bottom bytes hostpair)" scr_last
# 9-wide hosts: 19, BYTES, 2s, FLOWS, 10s, 40s, bytes each way, STATE (5): 76
check_screen "key g: the header's first column counts flows" \
	"$(cells FLOWS:5:l A:9:l B:9:l 2s:7:r 10s:7:r 40s:7:r BYTES:6:r 'BYTES>:6:r' '<BYTES:6:r' STATE:5:l)" scr_line 2
UP_B=$((B1H + B2)) DN_B=$((B1H + B3))
EHP=$(cells 3:5:l $IP_A:9:l $IP_B:9:l "${R[@]}" "$(hum $((B1 + B2 + B3))):6:r" "$(hum $UP_B):6:r" "$(hum $DN_B):6:r" ended:5:l)
check_screen "key g: one row for the host pair, its 3 conversations summed each way, ended" "$EHP" scr_masked "$EHP"
send "key g"
check_screen "key g: by src in the bottom line" "$(bottom bytes src)" scr_last
# FLOWS A B 2s 10s 40s PKTS BYTES BYTES> <BYTES STATE: fields 1-3, 7-11
scr_src() { scr_rows 11 | awk '{ print $1, $2, $3, $7, $8, $9, $10, $11 }'; }
check_screen "key g: one row per host that started conversations" \
	"$(printf '%s\n' "2 $IP_A * $((2 * N_PING + F2_N)) $(hum $((B1 + B2))) $(hum $UP_B) $(hum $B1H) ended" \
		"1 $IP_B * $F3_N $(hum $B3) $(hum $B3) 0 ended")" scr_src
send "key g"
check_screen "key g: by dst in the bottom line" "$(bottom bytes dst)" scr_last
check_screen "key g: one row per host that was sent conversations" \
	"$(printf '%s\n' "2 * $IP_B $((2 * N_PING + F2_N)) $(hum $((B1 + B2))) $(hum $UP_B) $(hum $B1H) ended" \
		"1 * $IP_A $F3_N $(hum $B3) $(hum $B3) 0 ended")" scr_src
send "key g"
check_screen "key g: back to 5tuple" "$E80" scr_masked "$E80"

# ------------------------------------------------- the rates, as iftop's
#
# UDP B -> A at 100 datagrams of 1042 bytes a second, on an absolute
# schedule: 833.6 kb/s over any window, give or take a datagram and what
# the sender's pacing slips.  The checks allow 10%.
F4_BPS=$((F4_PPS * F4_FRAME * 8))
udp_recv_start rcv4 "$NS_A" "$IP_A" $F4_DPORT 1000000 $((F4_SECS + 30))
F4_T0=$(date +%s)
bg_start snd4 nsenter --net="/run/netns/$NS_B" -- "$PY" -c "$SENDER" "$IP_B" $F4_SPORT "$IP_A" $F4_DPORT 0 \
	$F4_SIZE 0 $F4_PPS $F4_SECS
P4="udp   $IP_B.$F4_SPORT $IP_A.$F4_DPORT"
rates_at() { # seconds into the flow, windows to check (4 5 6: fields of 2s 10s 40s)
	local at=$1 f got name
	shift
	sleep $((F4_T0 + at - $(date +%s)))
	for f in "$@"; do
		name=$(awk -v f=$f 'BEGIN { split("- - - 2s 10s 40s", n, " "); print n[f] }')
		got=$(scr_rate "$P4" $f)
		if within "$got" $F4_BPS 10; then
			ok "rates: the $name rate after ${at} s of $F4_BPS b/s: $got b/s, within 10%"
		else
			nok "rates: the $name rate after ${at} s of $F4_BPS b/s: within 10%"
			diag "got: ${got:-(no row)}"
			show_screen
		fi
	done
}
rates_at 12 4 5
send "key r"
check_screen "key r: the bottom line says sort: rate" "$(bottom rate 5tuple)" scr_last
first_row() { scr_rows 3 | head -n 1; }
check_screen "key r: the flow sending comes first" "udp $IP_B.$F4_SPORT $IP_A.$F4_DPORT" first_row
send "key b"
# the three that ended before it go 40 s after their end
rows_dim() { echo "rows $(nrows), dimmed: $(scr_dim)"; }
for ((i = 0; i < 450; i++)); do [ "$(rows_dim)" = "rows 1, dimmed: " ] && break; sleep 0.1; done
check_eq "ended rows: gone 40 s after they ended; the live flow stays, not dimmed" \
	"rows 1, dimmed: " "$(rows_dim)"
rates_at 43 4 5 6
bg_wait snd4 $((F4_SECS + 10))
N4=$(cat "$TMPD/snd4.out")
bg_stop rcv4
check_eq "rates: the sender kept its pace: $((F4_PPS * F4_SECS)) datagrams" "$((F4_PPS * F4_SECS))" "$N4"
send "resize 100 24"
E4=$(cells udp:5:l $IP_B.$F4_SPORT:14:l $IP_A.$F4_DPORT:14:l "${R[@]}" "$(hum "$N4"):6:r" "$(hum $((N4 * F4_FRAME))):6:r" \
	"$(hum $((N4 * F4_FRAME))):6:r" 0:6:r ended:11:l)
check_screen "the paced flow, stopped, ends: every datagram sent, marked ended" "$E4" scr_masked "$E4"
check_eq "the paced flow's row is dimmed once it ended" "3" "$(scr_dim)"
send "resize 80 24"

# --- q
send "key q"
if bg_wait view 5; then
	ok "key q: pktscope flows exits by itself within 5 s"
else
	nok "key q: pktscope flows exits by itself within 5 s"
	show_screen
fi
check_exit "key q" view
if grep -qxE "4 flow records written; 4 conversations ended idle, 0 by TCP close, 0 open" "$V/screen"; then
	ok "key q: the report follows on the terminal (4 flow records written, 4 conversations ended idle)"
else
	nok "key q: the report follows on the terminal (4 flow records written, 4 conversations ended idle)"
	show_screen "after exit"
fi
# The view was what was asked for: the flows left at exit go to the count
# (and a collector), not as JSON lines onto the terminal.
check_eq "key q: no JSON flow record printed on the terminal after the view" "" \
	"$(grep -E '^\{"type":"flow"' "$V/screen" | head -3)"
check_attached "key q: nothing attached to $IF_A" "$NS_A" "$IF_A" ""

# ------------------------------------------------- 2: SIGINT, ^C, SIGTERM
#
# With --interval 30 a wait that ran to the next sweep would take 30 s;
# the view's waits for a key are 50 ms at most.  The time from the signal
# to pktscope's exit is printed; the bound checked is 2 s.
# Python times it, from the signal (or the key written to ptyview) to
# pktscope's exit, 1 ms polls of /proc; "hung" after 2 s.
STOPWATCH='import os, signal, sys, time
pid, how = int(sys.argv[1]), sys.argv[2]
def gone():
    try:
        return open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
t0 = time.monotonic()
if how.startswith("signal "):
    os.kill(pid, getattr(signal, "SIG" + how.split()[1]))
else:
    with open(sys.argv[3], "w") as ctl:
        ctl.write(how + "\n")
while not gone() and time.monotonic() - t0 < 2:
    time.sleep(0.001)
print("%d" % ((time.monotonic() - t0) * 1000) if gone() else "hung")'
stop_view() { # label, name, ptyview command, hook attachments
	local label=$1 name=$2 cmd=$3 pid ms
	check_screen "$label: the view came up" "$(bottom bytes 5tuple)" scr_last ||
		bail_view "$name" "the live view of pktscope flows -i $IF_A came up on the terminal"
	check_attached "$label: attached to $IF_A" "$NS_A" "$IF_A" "$4"
	pid=$(cat "$V/pid")
	# a signal straight from here; a key through ptyview (its FIFO and
	# its 50 ms loop are then in the time)
	ms=$(timeout 10 "$PY" -c "$STOPWATCH" "$pid" "$cmd" "$V/ctl")
	if [ -n "$ms" ] && [ "$ms" != hung ]; then
		ok "$label: pktscope flows --interval 30 ends within 2 s (in $ms ms)"
	else
		nok "$label: pktscope flows --interval 30 ends within 2 s"
	fi
	bg_wait "$name" 5 || nok "$label: ptyview ends"
	check_exit "$label" "$name"
	check_attached "$label: nothing attached to $IF_A" "$NS_A" "$IF_A" ""
}
view_start view-int --interval 30 --hook xdp
stop_view "SIGINT" view-int "signal INT" "$ATT_XDP"
view_start view-ctrlc --interval 30 --hook tc
stop_view "^C typed at the terminal (--hook tc)" view-ctrlc 'key \x03' "$ATT_TC"
view_start view-term --interval 30 --hook xdp
stop_view "SIGTERM" view-term "signal TERM" "$ATT_XDP"

# ------------------------------------------------- 3: a terminal type unknown

BADTERM=pktscope-no-such-term
PTY_TERM=$BADTERM view_start view-badterm
bg_wait view-badterm || nok "TERM=$BADTERM: pktscope flows exits by itself"
check_eq "TERM=$BADTERM: exit status 1" 1 "${RC[view-badterm]}"
msg="pktscope: cannot open the terminal view for TERM=$BADTERM: set TERM to your terminal's type, or use --json"
# what was written to the terminal (the screen wraps it at 80 columns)
term_err() { tr -d '\r' <"$V/raw" | grep -aE '^(pktscope: cannot|Error opening)'; }
check_screen "TERM=$BADTERM: pktscope's own error line, and not curses' exit" "$msg" term_err
check_eq "TERM=$BADTERM: the terminal's modes are untouched" "termios restored" \
	"$(grep '^termios' "$V/exit" 2>/dev/null)"
check_attached "TERM=$BADTERM: nothing attached to $IF_A" "$NS_A" "$IF_A" ""

#!/usr/bin/env bash
# The man pages, the bash completion and `make install` held to the program.
#
#  - Options: what each command's option parser accepts is asked of the
#    binary itself, option by option (every letter and digit, every long
#    name in src/cli/*.c, the pages, the completion or --help), with all
#    capabilities dropped so that nothing runs: an accepted option reaches
#    "needs root" (or, given last without its value, "needs a value"), a
#    refused one "unknown option" or "is not an option of".  The OPTIONS of
#    each man page, the completion's offer after "-" and the --help text
#    must name exactly those options, and a page's option and the
#    completion take a value exactly where the parser does.  The values of
#    --hook, --xdp-mode, --sort and --by in the pages and the completion
#    are those the parser's message lists, and each is accepted.
#  - Pages: groff (man --warnings) and mandoc -T lint find nothing to warn
#    of, and each names the version the binary prints.
#  - Completion: bash with bash-completion, the completion sourced, on
#    COMP_WORDS/COMP_CWORD: commands, interfaces of the namespace (against
#    sysfs as `ip netns exec` remounts it), files, values.
#  - make install DESTDIR=... PREFIX=/usr: exactly the expected files, with
#    their modes, nothing written outside DESTDIR (strace), the installed
#    binary runs, the installed pages render, bash-completion finds the
#    installed completion; uninstall removes them; PREFIX defaults to
#    /usr/local.
#
# PKTSCOPE_MAN_DIR and PKTSCOPE_COMPLETION point the option checks at other
# copies of the pages and the completion (to see that a change fails them).
. "$(dirname "$0")/lib.sh"

require_root
require_tools man mandoc strace setpriv make ip nsenter "$PY"
require_pktscope
BASH_COMPLETION=/usr/share/bash-completion/bash_completion
[ -r "$BASH_COMPLETION" ] || skip_all "missing bash-completion ($BASH_COMPLETION)"

MAN_DIR=${PKTSCOPE_MAN_DIR:-$ROOT/docs/man}
COMPLETION=${PKTSCOPE_COMPLETION:-$ROOT/contrib/bash-completion/pktscope}
COMMANDS=(stats watch capture flows)
export MANWIDTH=80 LC_ALL=C.UTF-8

# ------------------------------------------------------------ helpers

# The OPTIONS of a man page, one "option<TAB>value" line each: the
# option's tag (the line after .TP) names the option's spellings and,
# when it takes one, its value ("-" when none; a|b|c for a choice).
man_options() { # page
	"$PY" - "$1" <<'EOF'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
section = None
for i, line in enumerate(lines):
    if line.startswith('.SH'):
        section = line[3:].strip().strip('"')
        continue
    if section != 'OPTIONS' or not line.startswith('.TP') or i + 1 >= len(lines):
        continue
    tag = re.sub(r'^\.[A-Z]{1,2}\s+', '', lines[i + 1])
    tag = re.sub(r'\\f[BIRP]', '', tag.replace('\\-', '-')).replace('"', ' ')
    words = [w for w in re.split(r'[\s,]+', tag) if w]
    opts = [w for w in words if w.startswith('-')]
    value = ' '.join(w for w in words if not w.startswith('-')) or '-'
    for o in opts:
        print(f'{o}\t{value}')
EOF
}

# The options a --help text names (a doubled letter, -vv, is -v again).
help_options() { # file
	"$PY" - "$1" <<'EOF'
import re, sys
seen = set()
for line in open(sys.argv[1]):
    if not re.match(r'^ {2,6}-', line):
        continue
    for w in line.split():
        if not w.startswith('-'):
            break
        w = w.rstrip(',')
        m = re.fullmatch(r'-([A-Za-z])\1+', w)
        seen.add('-' + m.group(1) if m else w)
print('\n'.join(sorted(seen)))
EOF
}

# What the parser makes of each option given last: one "command option
# kind" line per command and option, kind "value" (it takes one), "flag",
# "no" (refused), or "?: the message" when the answer is none of those;
# and "top option yes|no" for `pktscope OPTION`.  One bash without a
# capability runs them all, so that no command gets past its privilege
# check.
probe_all() { # candidate options...
	timeout 600 setpriv --bounding-set=-all --inh-caps=-all bash -c '
		P=$1 never=$2
		shift 2
		run() { out=$("$P" "$@" 2>&1 >/dev/null </dev/null); rc=$?; }
		refused() { [[ $out == *"unknown option"* || $out == *"is not an option of"* ]]; }
		for opt in "$@"; do
			run "$opt"
			if [ "$rc" -eq 0 ]; then echo "top $opt yes"; else echo "top $opt no"; fi
		done
		for cmd in stats watch capture flows; do
			for opt in "$@"; do
				base=()
				# capture wants -w before it checks privileges
				[[ $cmd == capture && $opt != -w && $opt != --write ]] && base=(-w "$never")
				run "$cmd" "${base[@]}" "$opt"
				if [[ $out == *"needs a value"* ]]; then
					# said before the option is checked against the
					# command (watch -w): given a value, it must
					# not be refused
					run "$cmd" "${base[@]}" "$opt" x
					if refused; then k=no; else k=value; fi
				elif refused; then
					k=no
				elif [[ $out == *"needs root"* ]] || [[ $rc -eq 0 && -z $out ]]; then
					k=flag
				else
					k="?: exit $rc: ${out//$'"'"'\n'"'"'/ }"
				fi
				echo "$cmd $opt $k"
			done
		done
	' probe "$PKTSCOPE" "$TMPD/never.pcap" "$@"
}

# Runs pktscope without a capability (an empty bounding set: root keeps
# none across exec).
unprivileged() { # pktscope arguments...
	timeout 10 setpriv --bounding-set=-all --inh-caps=-all "$PKTSCOPE" "$@" </dev/null
}

# For each command line read (the cursor at its end), one line: "=" and its
# COMPREPLY, space-separated (the "=" keeps an empty last line from
# being lost to $(...)); as bash calls the completion: words
# split at blanks and at "=" (COMP_WORDBREAKS), COMP_CWORD the last, the
# function the one `complete -p pktscope` names.
complete_lines() { # [directory]
	(
		cd "${1:-$TMPD}" || exit 1
		bash -c '
			source "$1" || exit 1
			source "$2" || exit 1
			spec=$(complete -p pktscope) || exit 1
			fn=${spec#*-F }
			fn=${fn%% *}
			while IFS= read -r line; do
				read -ra words <<<"$line"
				[[ $line == *" " || -z $line ]] && words+=("")
				COMP_WORDS=()
				for w in "${words[@]}"; do
					if [[ $w == --*=* ]]; then
						COMP_WORDS+=("${w%%=*}" "=" "${w#*=}")
					else
						COMP_WORDS+=("$w")
					fi
				done
				COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
				COMP_LINE=$line
				COMP_POINT=${#line}
				COMPREPLY=()
				"$fn" pktscope "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
				echo "=${COMPREPLY[*]}"
			done
		' complete "$BASH_COMPLETION" "$COMPLETION"
	)
}
# The same for one line, one word per line, sorted.
complete_line() { # line [directory]
	printf '%s\n' "$1" | complete_lines "${2:-}" | sed 's/^=//' | tr ' ' '\n' | sed '/^$/d' | sort -u
}

sorted_words() { tr ' ' '\n' | sed '/^$/d' | sort -u; }

# check_eq for two lists, one item a line: on a difference, what is
# missing and what is extra.
check_set() { # description, expected, got
	local missing extra
	missing=$(comm -23 <(sort -u <<<"$2") <(sort -u <<<"$3") | tr '\n' ' ')
	extra=$(comm -13 <(sort -u <<<"$2") <(sort -u <<<"$3") | tr '\n' ' ')
	if [ -z "$missing$extra" ]; then
		ok "$1"
	else
		nok "$1"
		[ -n "$missing" ] && diag "missing: $missing"
		[ -n "$extra" ] && diag "  extra: $extra"
	fi
}

# ------------------------------------------------- the parser's options

# Candidates: every letter and digit, and every long name the sources,
# the pages, the completion or a --help name.
longs=$(
	{
		grep -ho '{ *"[a-z0-9][a-z0-9-]*", *\(no\|required\|optional\)_argument' "$ROOT"/src/cli/*.c |
			sed 's/{ *"\([^"]*\)".*/--\1/'
		for p in "$MAN_DIR"/*.8; do man_options "$p" | cut -f1; done
		cat "$COMPLETION"
		for c in "${COMMANDS[@]}"; do "$PKTSCOPE" "$c" --help; done
	} 2>/dev/null | grep -o -- '--[a-z0-9][a-z0-9-]*' | sort -u
)
shorts=$(printf -- '-%s\n' {a..z} {A..Z} {0..9})
nlong=$(wc -l <<<"$longs")
[ "$nlong" -ge 20 ] || bail "long option names found in src/cli/*.c and the docs: only $nlong"

mapfile -t candidates < <(printf -- '%s\n' "$shorts" "$longs")
probe_all "${candidates[@]}" >"$TMPD/probes" || bail "probing the options: $(tail -3 "$TMPD/probes")"
declare -A ACCEPTED=() # command -> "option kind" lines, kind value|flag
for c in "${COMMANDS[@]}"; do
	ACCEPTED[$c]=$(awk -v c="$c" '$1 == c && ($3 == "value" || $3 == "flag") {print $2, $3}' "$TMPD/probes" | sort)
	odd=$(awk -v c="$c" '$1 == c && $3 != "value" && $3 != "flag" && $3 != "no"' "$TMPD/probes")
	if [ -n "$odd" ]; then
		nok "$c: every option probed is accepted or refused"
		diag "$odd"
	fi
	n=$(wc -l <<<"${ACCEPTED[$c]}")
	# a parser refusing everything (say, one that failed to start) would
	# make every list below trivially equal
	if [ "$n" -ge 10 ] && grep -qx -- '--help flag' <<<"${ACCEPTED[$c]}" &&
		grep -qx -- '-i value' <<<"${ACCEPTED[$c]}"; then
		ok "$c: the parser accepts $n options, -i with a value, --help without"
	else
		nok "$c: the parser accepts -i with a value and --help (found $n options)"
		diag "${ACCEPTED[$c]}"
	fi
done
TOP=$(awk '$1 == "top" && $3 == "yes" {print $2}' "$TMPD/probes" | sort)
check_set "pktscope: the options the top level accepts" "$(printf -- '%s\n' --help --version -V -h | sort)" "$TOP"

# --------------------------------------------------------- man pages

page_of() { if [ -z "$1" ]; then echo "$MAN_DIR/pktscope.8"; else echo "$MAN_DIR/pktscope-$1.8"; fi; }

version=$("$PKTSCOPE" --version | awk '{print $2}')
for c in "" "${COMMANDS[@]}"; do
	page=$(page_of "$c")
	name=$(basename "$page")
	if [ ! -r "$page" ]; then
		nok "$name exists"
		continue
	fi
	warn=$(man --warnings -l "$page" 2>&1 >/dev/null)
	check_eq "$name: man (groff) renders it without a warning" "" "$warn"
	lint=$(mandoc -T lint -W warning "$page" 2>&1)
	check_eq "$name: mandoc -T lint -W warning finds nothing" "" "$lint"
	th=$(grep -m1 '^\.TH' "$page")
	check "$name: .TH names pktscope $version, the binary's version" grep -qF "\"pktscope $version\"" <<<"$th"
	rendered=$(man -l "$page" 2>/dev/null)
	check "$name: renders NAME, SYNOPSIS, DESCRIPTION, OPTIONS, EXIT STATUS, EXAMPLES, SEE ALSO" \
		"$PY" -c 'import sys
t = sys.stdin.read().splitlines()
need = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "EXAMPLES", "SEE ALSO"]
heads = [l for l in t if l in need]
sys.exit(heads != need)' <<<"$rendered"
done

# Each page's options against the parser: the names, and which take a value.
for c in "" "${COMMANDS[@]}"; do
	page=$(page_of "$c")
	name=$(basename "$page")
	[ -r "$page" ] || continue
	man_opts=$(man_options "$page")
	if [ -z "$c" ]; then
		check_set "$name: OPTIONS name what the top level accepts" "$TOP" "$(cut -f1 <<<"$man_opts" | sort -u)"
		continue
	fi
	check_set "$name: OPTIONS name exactly the options pktscope $c accepts" \
		"$(cut -d' ' -f1 <<<"${ACCEPTED[$c]}")" "$(cut -f1 <<<"$man_opts" | sort -u)"
	got=$(awk -F'\t' '{print $1, ($2 == "-" ? "flag" : "value")}' <<<"$man_opts" | sort -u)
	check_set "$name: an option has a value in its tag exactly where the parser takes one" \
		"${ACCEPTED[$c]}" "$got"
done

# ------------------------------------------------------------ --help

for c in "${COMMANDS[@]}"; do
	"$PKTSCOPE" "$c" --help >"$TMPD/help-$c" 2>&1
	check_set "pktscope $c --help names exactly the options it accepts" \
		"$(cut -d' ' -f1 <<<"${ACCEPTED[$c]}")" "$(help_options "$TMPD/help-$c")"
done

# ------------------------------------------------------------ completion

check_set "completion: the commands" "$(sorted_words <<<'stats watch capture flows help')" \
	"$(complete_line 'pktscope ')"
cmds_help=$("$PKTSCOPE" --help | awk '/^Commands:/ {on = 1; next} on && NF {print $1} on && !NF {on = 0}' | sort)
check_set "completion: the commands pktscope --help lists, and help" \
	"$(sorted_words <<<"$cmds_help help")" "$(complete_line 'pktscope ')"
out=$("$PKTSCOPE" help 2>&1)
check "pktscope help: prints the commands" grep -q '^Commands:' <<<"$out"
check_set "completion: pktscope -" "$TOP" "$(complete_line 'pktscope -')"
check_eq "completion: pktscope ca" "capture" "$(complete_line 'pktscope ca')"

for c in "${COMMANDS[@]}"; do
	check_set "completion: pktscope $c - offers exactly the options it accepts" \
		"$(cut -d' ' -f1 <<<"${ACCEPTED[$c]}")" "$(complete_line "pktscope $c -")"
	# After an option that takes a value, "-" is that value (nothing to
	# offer: numbers, files named -...); after a flag, options again.
	bad=
	replies=$(while read -r o k; do echo "pktscope $c $o -"; done <<<"${ACCEPTED[$c]}" | complete_lines)
	while read -r o k && IFS= read -r got <&3; do
		got=${got#=}
		if [ "$k" = value ] && [ -n "$got" ]; then
			bad+="$o takes a value, but '-' after it is completed as: $got"$'\n'
		elif [ "$k" = flag ] && [ -z "$got" ]; then
			bad+="$o takes no value, but nothing is offered after it"$'\n'
		fi
	done <<<"${ACCEPTED[$c]}" 3<<<"$replies"
	[ "$(wc -l <<<"$replies")" -eq "$(wc -l <<<"${ACCEPTED[$c]}")" ] ||
		bad+="$(wc -l <<<"$replies") replies for $(wc -l <<<"${ACCEPTED[$c]}") options"
	check_eq "completion: pktscope $c: a value is expected after exactly the options that take one" "" "$bad"
done

# Values: those the parser's message lists for a bad one, each accepted,
# and the same in the completion and in the page's tag.
listed_values() { # command, option: the list in the parser's refusal of a bad value
	unprivileged "$1" "$2" no-such-value 2>&1 >/dev/null |
		grep -oE '[a-z0-9]+(, [a-z0-9]+)* or [a-z0-9]+' | head -1 | sed 's/, / /g; s/ or / /' | sorted_words
}
for cv in "stats --hook" "watch --hook" "capture --hook" "flows --hook" \
	"stats --xdp-mode" "watch --xdp-mode" "capture --xdp-mode" "flows --xdp-mode" \
	"flows --sort" "flows --by"; do
	read -r c o <<<"$cv"
	want=$(listed_values "$c" "$o")
	if [ "$(wc -w <<<"$want")" -lt 2 ]; then
		nok "$c $o: the parser lists its values when refusing one"
		diag "$(unprivileged "$c" "$o" no-such-value 2>&1)"
		continue
	fi
	refused=
	for v in $want; do
		rc=0
		unprivileged "$c" "$o" "$v" -h >/dev/null 2>&1 || rc=$?
		[ "$rc" -eq 0 ] || refused+="$v "
	done
	check_eq "$c $o: the parser takes each value it lists ($(tr '\n' ' ' <<<"$want"))" "" "$refused"
	check_set "completion: pktscope $c $o offers the values the parser lists" "$want" \
		"$(complete_line "pktscope $c $o ")"
	tagvals=$(man_options "$(page_of "$c")" | awk -F'\t' -v o="$o" '$1 == o {print $2}' | tr '|' '\n' | sort -u)
	check_set "$(basename "$(page_of "$c")"): $o lists the values the parser lists" "$want" "$tagvals"
done
check_eq "completion: --hook=s (one word with =)" "socket" "$(complete_line 'pktscope watch --hook=s')"
check_eq "completion: --by h" "hostpair" "$(complete_line 'pktscope flows --by h')"

# Interfaces: those of the namespace the shell is in, as sysfs mounted in
# that namespace lists them (ip netns exec remounts /sys).
new_ns "$NS_A"
ip -n "$NS_A" link add psdoc0 type veth peer name psdoc1 || bail "create veth pair psdoc0/psdoc1"
want=$(ip netns exec "$NS_A" ls /sys/class/net | sort)
got=$(in_ns "$NS_A" bash -c "$(declare -f complete_lines complete_line); BASH_COMPLETION=$BASH_COMPLETION COMPLETION=$COMPLETION TMPD=$TMPD complete_line 'pktscope stats -i '")
check_set "completion: -i offers the namespace's interfaces" "$want" "$got"
got=$(in_ns "$NS_A" bash -c "$(declare -f complete_lines complete_line); BASH_COMPLETION=$BASH_COMPLETION COMPLETION=$COMPLETION TMPD=$TMPD complete_line 'pktscope capture --interface psdoc'")
check_eq "completion: --interface psdoc (a veth, without its @peer)" "$(printf 'psdoc0\npsdoc1')" "$got"

# Files: -r and -w complete paths.
mkdir -p "$TMPD/files/sub"
touch "$TMPD/files/a.pcap" "$TMPD/files/b.pcapng" "$TMPD/files/notes.txt"
check_set "completion: watch -r offers the directory's entries" "$(ls -A "$TMPD/files" | sort)" \
	"$(complete_line 'pktscope watch -r ' "$TMPD/files")"
check_eq "completion: capture -w b" "b.pcapng" "$(complete_line 'pktscope capture -w b' "$TMPD/files")"
check_eq "completion: stats --read a" "a.pcap" "$(complete_line 'pktscope stats --read a' "$TMPD/files")"
check_eq "completion: no file after a number option (-c)" "" "$(complete_line 'pktscope watch -c ' "$TMPD/files")"

# ------------------------------------------------------------ make install

# The build must be current first: a rebuild inside the traced install would
# write to build/, outside DESTDIR.
make -s -C "$ROOT" BUILD="$BUILD_DIR" all >/dev/null 2>"$TMPD/make.err" || bail "make all: $(head -3 "$TMPD/make.err")"

expected_files() { # prefix (without the leading /)
	printf '%s\n' "$1/sbin/pktscope" "$1/share/bash-completion/completions/pktscope"
	for p in "$ROOT"/docs/man/*.8; do echo "$1/share/man/man8/$(basename "$p")"; done
}

DEST=$TMPD/dest
mkdir -p "$TMPD/strace"
# -ff: a file per process, so that no call is split by another's; -y: the
# directory behind each descriptor (AT_FDCWD too), as install(1) creates
# directories by chdir and files by openat in them.
strace -ff -qq -y -o "$TMPD/strace/install" -e trace=%file,%process,fchdir \
	make -s -C "$ROOT" BUILD="$BUILD_DIR" install DESTDIR="$DEST" PREFIX=/usr >"$TMPD/install.out" 2>&1
rc=$?
check_eq "make install DESTDIR PREFIX=/usr: exit status" 0 "$rc"
[ "$rc" -eq 0 ] || diag "$(head -20 "$TMPD/install.out")"
check_set "make install: exactly the expected files" "$(expected_files usr | sort)" \
	"$(cd "$DEST" && find . ! -type d | sed 's|^\./||' | sort)"
check_set "make install: modes (binary 755, the rest 644)" \
	"$(expected_files usr | sort | awk '{print ($0 ~ /sbin\// ? "755 " : "644 ") $0}')" \
	"$(cd "$DEST" && find . ! -type d -printf '%m %P\n' | sort -k2)"

# Every path the install created, wrote, renamed, removed or changed the
# mode or owner of, from strace: all must be under DESTDIR.  A relative
# path is resolved against its directory descriptor, or the process's
# working directory, followed through chdir and fchdir and inherited at
# fork.
outside=$("$PY" - "$DEST" "$PWD" "$TMPD"/strace/install.* <<'EOF'
import os, re, sys
dest, top_cwd = os.path.normpath(sys.argv[1]), sys.argv[2]
logs = {}
for f in sys.argv[3:]:
    logs[int(f.rsplit('.', 1)[1])] = open(f).read().splitlines()
write_flags = ('O_WRONLY', 'O_RDWR', 'O_CREAT', 'O_TRUNC')
changing = {'creat', 'mkdir', 'mkdirat', 'rename', 'renameat', 'renameat2', 'unlink', 'unlinkat',
            'link', 'linkat', 'symlink', 'symlinkat', 'chmod', 'fchmodat', 'chown', 'lchown',
            'fchownat', 'truncate', 'utimensat', 'utime', 'utimes', 'rmdir', 'mknod', 'mknodat',
            'setxattr', 'lsetxattr', 'removexattr', 'lremovexattr'}
path_arg = re.compile(r'(?:(?:AT_FDCWD|\d+)<([^>]*)>, )?"((?:[^"\\]|\\.)*)"')
call_re = re.compile(r'^(\w+)\((.*)\)\s+=\s+(-?\d+|\?)')
bad, seen = [], set()

def walk(pid, cwd):
    seen.add(pid)
    for line in logs.get(pid, []):
        m = call_re.match(line)
        if not m or m.group(3) == '?' or int(m.group(3)) < 0:
            continue
        call, args, ret = m.group(1), m.group(2), int(m.group(3))
        if call in ('clone', 'clone3', 'fork', 'vfork'):
            if ret in logs and ret not in seen:
                walk(ret, cwd)
            continue
        if call == 'chdir':
            cwd = os.path.normpath(os.path.join(cwd, path_arg.search(args).group(2)))
            continue
        if call == 'fchdir':
            cwd = re.match(r'\d+<([^>]*)>', args).group(1)
            continue
        if call in ('open', 'openat', 'openat2'):
            if not any(f in args for f in write_flags):
                continue
        elif call not in changing:
            continue
        for i, (base, p) in enumerate(path_arg.findall(args)):
            if call == 'symlink' and i == 0 or call == 'symlinkat' and i == 0:
                continue  # the link's target, not a path written
            full = os.path.normpath(os.path.join(base or cwd, p))
            if full in ('/dev/null', '/dev/tty') or full == dest or full.startswith(dest + '/'):
                continue
            bad.append(f'{call}: {full}')

forked = {int(r) for lines in logs.values() for l in lines
          for r in re.findall(r'^(?:clone3?|v?fork)\(.*\)\s+=\s+(\d+)$', l)}
for pid in sorted(set(logs) - forked):
    walk(pid, top_cwd)
missed = sorted(set(logs) - seen)
if missed:
    bad.append(f'processes not reached from the first: {missed}')
print('\n'.join(sorted(set(bad))))
EOF
)
check_eq "make install: nothing created, written or changed outside DESTDIR (strace)" "" "$outside"
nwritten=$(cat "$TMPD"/strace/install.* | grep -cE '^(openat|mkdir|fchmodat)\(.*(O_CREAT|, 0[0-7]{3}\)) += [0-9]')
check "make install: strace saw the install's writes ($nwritten)" test "$nwritten" -ge 10

out=$("$DEST/usr/sbin/pktscope" --help 2>&1)
check "installed binary: --help" grep -q '^Usage: pktscope COMMAND' <<<"$out"
check_eq "installed binary: --version" "$("$PKTSCOPE" --version)" "$("$DEST/usr/sbin/pktscope" --version 2>&1)"
for p in "$DEST"/usr/share/man/man8/*.8; do
	warn=$(man --warnings -l "$p" 2>&1 >/dev/null)
	rendered=$(man -l "$p" 2>/dev/null)
	if [ -z "$warn" ] && grep -q '^SYNOPSIS' <<<"$rendered" && cmp -s "$p" "$ROOT/docs/man/$(basename "$p")"; then
		ok "installed $(basename "$p"): man -l renders it, no warning, as in docs/man"
	else
		nok "installed $(basename "$p"): man -l renders it, no warning, as in docs/man"
		diag "$warn"
	fi
done
# bash-completion looks in XDG_DATA_DIRS/bash-completion/completions.
spec=$(XDG_DATA_DIRS="$DEST/usr/share" bash -c \
	'source "$1"; __load_completion pktscope && complete -p pktscope' load "$BASH_COMPLETION" 2>&1)
check_eq "installed completion: bash-completion loads it from DESTDIR/usr/share" \
	"complete -F _pktscope pktscope" "$spec"

make -s -C "$ROOT" BUILD="$BUILD_DIR" uninstall DESTDIR="$DEST" PREFIX=/usr >"$TMPD/uninstall.out" 2>&1
check_eq "make uninstall: exit status" 0 "$?"
check_eq "make uninstall: no file left" "" "$(cd "$DEST" && find . ! -type d)"

DEST2=$TMPD/dest2
make -s -C "$ROOT" BUILD="$BUILD_DIR" install DESTDIR="$DEST2" >"$TMPD/install2.out" 2>&1
check_set "make install without PREFIX: under /usr/local" "$(expected_files usr/local | sort)" \
	"$(cd "$DEST2" && find . ! -type d | sed 's|^\./||' | sort)"

#!/usr/bin/env python3
"""Runs a full-screen program on a pseudo-terminal and keeps what it draws,
as a terminal would show it, in a file a shell test can poll.

    ptyview.py [--term NAME] DIR COLS ROWS -- COMMAND [ARG]...

COMMAND runs in a new session with the pty's slave as its controlling
terminal (stdin, stdout, stderr), TERM=xterm (or NAME), the window COLS x ROWS
(TIOCSWINSZ; LINES and COLUMNS removed from the environment so that curses
asks the terminal).  Its output is fed to the pyte terminal emulator.

DIR/ctl      a FIFO for commands, one per line:
               key TEXT          type TEXT (Python escapes: key \\x03 is ^C)
               resize COLS ROWS  new window size: TIOCSWINSZ, then SIGWINCH
               signal NAME       send signal NAME (INT, TERM...) to COMMAND
DIR/screen   the screen as shown, one line per row, trailing blanks cut;
             replaced whole (rename) each time it changes
DIR/reverse  the rows with reverse-video text, space-separated
DIR/dim      the rows with dim (faint, SGR 2) text, space-separated
DIR/pid      COMMAND's pid
DIR/raw      every byte COMMAND wrote to the terminal
DIR/exit     once COMMAND has exited: "status N" (or "signal NAME"), then
             "termios restored" or "termios changed ..." (the terminal's
             modes against those before COMMAND started), then
             "tail-exit-seq yes|no" (the terminal's rmcup and cnorm sequences
             came after the last command typed or sent)

It exits with COMMAND's exit status (128 + N for signal N).  SIGINT/SIGTERM
to ptyview stop COMMAND (SIGINT, then SIGKILL after 5 s).  Only what pyte
lacks of xterm and curses uses is added: REP (CSI b), SU/SD (CSI S/T), the
alternate screen (private mode 1049) and dim text (SGR 2, kept in pyte's
italics attribute: pyte has no dim, and curses does not use italics on
TERM=xterm).
"""
import codecs
import curses
import errno
import fcntl
import os
import select
import signal
import struct
import sys
import termios
import time

import pyte

TERM = "xterm"


class XtermScreen(pyte.Screen):
    """pyte.Screen with the few xterm features ncurses uses on TERM=xterm
    that pyte 0.8 leaves out."""

    def __init__(self, columns, lines):
        self.last_char = None
        self.alt_saved = None
        super().__init__(columns, lines)

    def draw(self, data):
        if data:
            self.last_char = data[-1]
        super().draw(data)

    def select_graphic_rendition(self, *attrs, **kwargs):
        # SGR 2 (dim) on as italics, SGR 22 (normal intensity) off too.
        mapped = []
        for a in attrs:
            if a == 2:
                mapped.append(3)
            elif a == 22:
                mapped += [22, 23]
            else:
                mapped.append(a)
        super().select_graphic_rendition(*mapped, **kwargs)

    def repeat_char(self, count=1, *args, **kwargs):
        # REP: the preceding graphic character, count more times.
        if self.last_char is not None:
            super().draw(self.last_char * max(count, 1))

    def _region(self):
        top, bottom = self.margins or pyte.screens.Margins(0, self.lines - 1)
        return top, bottom

    def scroll_up(self, count=1, *args, **kwargs):
        # SU: the scrolling region moves up count lines; the cursor stays.
        top, bottom = self._region()
        count = min(max(count, 1), bottom - top + 1)
        for y in range(top, bottom + 1):
            src = y + count
            if src <= bottom and src in self.buffer:
                self.buffer[y] = self.buffer[src]
            else:
                self.buffer.pop(y, None)
        self.dirty.update(range(self.lines))

    def scroll_down(self, count=1, *args, **kwargs):
        # SD: the scrolling region moves down count lines.
        top, bottom = self._region()
        count = min(max(count, 1), bottom - top + 1)
        for y in range(bottom, top - 1, -1):
            src = y - count
            if src >= top and src in self.buffer:
                self.buffer[y] = self.buffer[src]
            else:
                self.buffer.pop(y, None)
        self.dirty.update(range(self.lines))

    def _save_main(self):
        self.alt_saved = ({y: dict(line) for y, line in self.buffer.items()},
                          self.cursor.x, self.cursor.y)
        self.erase_in_display(2)

    def _restore_main(self):
        lines, x, y = self.alt_saved
        self.alt_saved = None
        self.buffer.clear()
        for row, line in lines.items():
            self.buffer[row].update(line)
        self.cursor.x = min(x, self.columns - 1)
        self.cursor.y = min(y, self.lines - 1)
        self.dirty.update(range(self.lines))

    def set_mode(self, *modes, **kwargs):
        if kwargs.get("private") and 1049 in modes:
            if self.alt_saved is None:
                self._save_main()
            modes = tuple(m for m in modes if m != 1049)
        super().set_mode(*modes, **kwargs)

    def reset_mode(self, *modes, **kwargs):
        if kwargs.get("private") and 1049 in modes:
            if self.alt_saved is not None:
                self._restore_main()
            modes = tuple(m for m in modes if m != 1049)
        super().reset_mode(*modes, **kwargs)


class XtermStream(pyte.ByteStream):
    csi = dict(pyte.ByteStream.csi, b="repeat_char", S="scroll_up", T="scroll_down")


def set_winsize(fd, cols, rows):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def write_atomic(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def spawn(argv, slave, term):
    pid = os.fork()
    if pid:
        return pid
    try:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        os.closerange(3, 1024)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE,
                    signal.SIGWINCH, signal.SIGQUIT):
            signal.signal(sig, signal.SIG_DFL)
        env = dict(os.environ, TERM=term)
        env.pop("LINES", None)
        env.pop("COLUMNS", None)
        os.execvpe(argv[0], argv, env)
    except BaseException as e:  # noqa: B036 - nothing may return from here
        os.write(2, ("ptyview: cannot run %s: %s\n" % (argv[0], e)).encode())
    os._exit(127)


def termios_diff(before, after):
    names = ["iflag", "oflag", "cflag", "lflag"]
    out = []
    for i, n in enumerate(names):
        if before[i] != after[i]:
            out.append("%s %#x -> %#x" % (n, before[i], after[i]))
    if before[6] != after[6]:
        out.append("cc")
    return ", ".join(out)


def exit_seqs(term):
    """The terminal's own exit-from-curses sequences (rmcup, cnorm)."""
    try:
        curses.setupterm(term, sys.stdout.fileno())
    except curses.error:
        return []
    return [s for s in (curses.tigetstr("rmcup"), curses.tigetstr("cnorm")) if s]


def main():
    args, term = sys.argv[1:], TERM
    if args[:1] == ["--term"] and len(args) > 1:
        term, args = args[1], args[2:]
    if len(args) < 5 or args[3] != "--":
        sys.exit("usage: ptyview.py [--term NAME] DIR COLS ROWS -- COMMAND [ARG]...")
    d, cols, rows, argv = args[0], int(args[1]), int(args[2]), args[4:]
    ctl_path = os.path.join(d, "ctl")
    if not os.path.exists(ctl_path):
        os.mkfifo(ctl_path)
    # Read-write: the FIFO never reads as ended between two writers.
    ctl = os.open(ctl_path, os.O_RDWR | os.O_NONBLOCK)

    master, slave = os.openpty()
    set_winsize(slave, cols, rows)
    before = termios.tcgetattr(slave)
    screen = XtermScreen(cols, rows)
    stream = XtermStream(screen)
    seqs = exit_seqs(term)

    stopping = []
    signal.signal(signal.SIGINT, lambda *_: stopping.append(time.monotonic()))
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(time.monotonic()))

    pid = spawn(argv, slave, term)
    write_atomic(os.path.join(d, "pid"), "%d\n" % pid)
    raw = open(os.path.join(d, "raw"), "wb")
    raw_len = 0
    last_cmd_at = 0   # raw_len when the last command was handled
    shown = None
    pending = b""
    status = None
    drain_until = None
    stop_sent = None

    def publish():
        nonlocal shown
        text = "\n".join(line.rstrip() for line in screen.display) + "\n"
        if text != shown:
            rev = sorted({y for y, line in screen.buffer.items() if y < screen.lines
                          and any(c.reverse and c.data != " " for c in line.values())})
            dim = sorted({y for y, line in screen.buffer.items() if y < screen.lines
                          and any(c.italics and c.data != " " for c in line.values())})
            write_atomic(os.path.join(d, "reverse"), " ".join(map(str, rev)) + "\n")
            write_atomic(os.path.join(d, "dim"), " ".join(map(str, dim)) + "\n")
            write_atomic(os.path.join(d, "screen"), text)
            shown = text

    def command(line):
        nonlocal last_cmd_at
        word, _, rest = line.partition(" ")
        if word == "key":
            os.write(master, codecs.decode(rest, "unicode_escape").encode("latin-1"))
        elif word == "resize":
            c, r = (int(v) for v in rest.split())
            screen.resize(r, c)
            set_winsize(slave, c, r)
            # The kernel signals the terminal's foreground process group on
            # a size change; a second SIGWINCH, as some terminals send, is
            # harmless and covers a program that is not in the foreground.
            try:
                os.kill(pid, signal.SIGWINCH)
            except ProcessLookupError:
                pass
        elif word == "signal":
            try:
                os.kill(pid, getattr(signal, "SIG" + rest.strip()))
            except ProcessLookupError:
                pass
        else:
            sys.stderr.write("ptyview: unknown command %r\n" % line)
        last_cmd_at = raw_len

    while True:
        now = time.monotonic()
        if stopping and stop_sent is None and status is None:
            stop_sent = now
            try:
                os.kill(pid, signal.SIGINT)
            except ProcessLookupError:
                pass
        if stop_sent is not None and status is None and now - stop_sent > 5:
            os.kill(pid, signal.SIGKILL)
            stop_sent = now
        if status is None:
            wpid, st = os.waitpid(pid, os.WNOHANG)
            if wpid:
                status = st
                drain_until = now + 0.3
        if drain_until is not None and now >= drain_until:
            break
        try:
            ready, _, _ = select.select([master, ctl], [], [], 0.05)
        except InterruptedError:
            continue
        if master in ready:
            try:
                data = os.read(master, 65536)
            except OSError as e:
                if e.errno != errno.EIO:
                    raise
                data = b""
            if data:
                raw.write(data)
                raw_len += len(data)
                stream.feed(data)
                if drain_until is not None:
                    drain_until = time.monotonic() + 0.3
        if ctl in ready:
            try:
                pending += os.read(ctl, 4096)
            except BlockingIOError:
                pass
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                if line.strip() and status is None:
                    command(line.decode())
        publish()

    raw.close()
    publish()
    after = termios.tcgetattr(slave)
    if os.WIFEXITED(status):
        code = os.WEXITSTATUS(status)
        res = ["status %d" % code]
    else:
        sig = os.WTERMSIG(status)
        code = 128 + sig
        res = ["signal %s" % signal.Signals(sig).name]
    diff = termios_diff(before, after)
    res.append("termios restored" if not diff else "termios changed " + diff)
    with open(os.path.join(d, "raw"), "rb") as f:
        f.seek(last_cmd_at)
        tail = f.read()
    res.append("tail-exit-seq " + ("yes" if seqs and all(s in tail for s in seqs) else "no"))
    write_atomic(os.path.join(d, "exit"), "\n".join(res) + "\n")
    os.close(master)
    os.close(slave)
    sys.exit(code)


if __name__ == "__main__":
    main()

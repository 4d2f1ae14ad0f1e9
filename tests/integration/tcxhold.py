#!/usr/bin/env python3
"""Holds a pinned TC program attached at tcx, in front of every other one.

    tcxhold.py PINNED_PROG IFNAME ingress|egress READYFILE

Attaches the program pinned at PINNED_PROG (bpftool prog load) to IFNAME of
the current netns with BPF_LINK_CREATE (BPF_TCX_INGRESS/EGRESS, BPF_F_BEFORE
with no relative program: first in the chain, whatever is attached before or
after it), writes READYFILE, and holds the link until SIGINT or SIGTERM: the
program is detached when it exits, however it exits.

Debian 12's bpftool (7.1) and tc (iproute2 6.1) attach no tcx programs, and
a legacy clsact filter runs after every tcx program: a test that needs its
program to run before pktscope's tcx program at the same hook uses this.
"""
import ctypes
import ctypes.util
import os
import signal
import socket
import struct
import sys

NR_BPF = 321  # x86_64
BPF_OBJ_GET = 7
BPF_LINK_CREATE = 28
BPF_TCX_INGRESS = 46
BPF_TCX_EGRESS = 47
BPF_F_BEFORE = 1 << 3

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, attr, what):
    buf = ctypes.create_string_buffer(bytes(attr), len(attr))
    r = libc.syscall(NR_BPF, cmd, buf, len(attr))
    if r < 0:
        e = ctypes.get_errno()
        sys.exit("tcxhold.py: %s: %s" % (what, os.strerror(e)))
    return r


def main():
    if len(sys.argv) != 5 or sys.argv[3] not in ("ingress", "egress"):
        sys.exit("usage: tcxhold.py PINNED_PROG IFNAME ingress|egress READYFILE")
    pin, ifname, direction, readyf = sys.argv[1:]
    try:
        ifindex = socket.if_nametoindex(ifname)
    except OSError as e:
        sys.exit("tcxhold.py: %s: %s" % (ifname, e))
    path = ctypes.create_string_buffer(pin.encode())
    prog_fd = bpf(BPF_OBJ_GET, struct.pack("<QII", ctypes.addressof(path), 0, 0).ljust(64, b"\0"),
                  "BPF_OBJ_GET " + pin)
    at = BPF_TCX_INGRESS if direction == "ingress" else BPF_TCX_EGRESS
    # prog_fd, target_ifindex, attach_type, flags; tcx.relative_fd 0.
    attr = struct.pack("<IIII", prog_fd, ifindex, at, BPF_F_BEFORE).ljust(64, b"\0")
    link_fd = bpf(BPF_LINK_CREATE, attr, "BPF_LINK_CREATE tcx %s on %s" % (direction, ifname))
    os.close(prog_fd)

    def done(*_):
        os.close(link_fd)
        sys.exit(0)

    signal.signal(signal.SIGINT, done)
    signal.signal(signal.SIGTERM, done)
    with open(readyf + ".tmp", "w") as f:
        f.write("ready\n")
    os.rename(readyf + ".tmp", readyf)
    while True:
        signal.pause()


if __name__ == "__main__":
    main()

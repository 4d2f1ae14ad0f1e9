#!/usr/bin/env python3
"""What BPF programs are attached to one interface of the current netns.

    bpfq.py IFNAME [--ids]

One line per attachment, sorted:
    xdp <driver|generic|offload> <prog name> [id]
    tcx/<ingress|egress> <prog name> [id]
    tc <clsact/ingress|clsact/egress> <prog name> [id]

Debian 12's bpftool (7.1) shows XDP and legacy tc filters but not tcx links,
so tcx attachments are read here with BPF_PROG_QUERY (BPF_TCX_INGRESS and
BPF_TCX_EGRESS), and names with BPF_OBJ_GET_INFO_BY_FD.  Exits 1 with a
message on stderr when it cannot tell, so a test never reads an error as
"nothing attached".
"""
import ctypes
import ctypes.util
import errno
import json
import os
import socket
import struct
import subprocess
import sys

NR_BPF = 321  # x86_64
BPF_PROG_GET_FD_BY_ID = 13
BPF_OBJ_GET_INFO_BY_FD = 15
BPF_PROG_QUERY = 16
BPF_TCX_INGRESS = 46
BPF_TCX_EGRESS = 47

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(bytes(attr), len(attr))
    r = libc.syscall(NR_BPF, cmd, buf, len(attr))
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r, buf.raw


def prog_name(prog_id):
    try:
        fd, _ = bpf(BPF_PROG_GET_FD_BY_ID, struct.pack("<III", prog_id, 0, 0).ljust(64, b"\0"))
    except OSError:
        return "?"
    try:
        info = ctypes.create_string_buffer(80)
        attr = struct.pack("<IIQ", fd, 80, ctypes.addressof(info)).ljust(64, b"\0")
        bpf(BPF_OBJ_GET_INFO_BY_FD, attr)
        return info.raw[64:80].split(b"\0")[0].decode() or "?"
    finally:
        os.close(fd)


def tcx(ifindex, attach_type):
    ids = (ctypes.c_uint32 * 64)()
    attr = bytearray(64)
    struct.pack_into("<II", attr, 0, ifindex, attach_type)
    struct.pack_into("<Q", attr, 16, ctypes.addressof(ids))
    struct.pack_into("<I", attr, 24, 64)
    buf = ctypes.create_string_buffer(bytes(attr), 64)
    r = libc.syscall(NR_BPF, BPF_PROG_QUERY, buf, 64)
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, "BPF_PROG_QUERY tcx: " + os.strerror(e))
    count = struct.unpack_from("<I", buf.raw, 24)[0]
    return [ids[i] for i in range(min(count, 64))]


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: bpfq.py IFNAME [--ids]")
    ifname, with_ids = sys.argv[1], "--ids" in sys.argv[2:]
    try:
        ifindex = socket.if_nametoindex(ifname)
    except OSError as e:
        sys.exit("bpfq.py: %s: %s" % (ifname, e))
    lines = []

    def add(what, pid, name=None):
        name = name or prog_name(pid)
        lines.append("%s %s%s" % (what, name, " %d" % pid if with_ids else ""))

    for at, label in ((BPF_TCX_INGRESS, "tcx/ingress"), (BPF_TCX_EGRESS, "tcx/egress")):
        try:
            for pid in tcx(ifindex, at):
                add(label, pid)
        except OSError as e:
            sys.exit("bpfq.py: %s: %s" % (ifname, e))

    p = subprocess.run(["bpftool", "-j", "net", "show", "dev", ifname],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("bpfq.py: bpftool net show dev %s: %s" % (ifname, p.stderr.strip()))
    try:
        data = json.loads(p.stdout)
    except ValueError:
        sys.exit("bpfq.py: bpftool printed no JSON: %r" % p.stdout[:200])
    for entry in data if isinstance(data, list) else [data]:
        for x in entry.get("xdp", []):
            if x.get("ifindex") == ifindex:
                add("xdp " + x.get("mode", "?"), x.get("id", 0))
        for t in entry.get("tc", []):
            if t.get("ifindex") == ifindex:
                add("tc " + t.get("kind", "?"), t.get("id", 0))
    for line in sorted(lines):
        print(line)


if __name__ == "__main__":
    main()

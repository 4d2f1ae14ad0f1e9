#!/usr/bin/env python3
"""Writes a pcap of VLAN-tagged frames for the live VLAN tests.

    mkvlan.py OUT.pcap SRC_MAC [MARK]

802.1Q, 802.1ad and QinQ (802.1ad outer, 802.1Q inner) tags over UDP, TCP,
IPv6, ARP; priority tags (VLAN ID 0); the pre-standard TPID 0x9100; tagged
frames to broadcast and multicast; and tagged frames shorter than the 20
bytes the kernel needs to take a tag out (it drops them before any packet
socket).  Unicast frames go to 02:00:00:00:00:02 (no host here): the stack
drops them after the hooks, nothing answers.

With MARK (hex), every frame ends in MARK twice, behind its payload, and the
short ones are left out: frames a test can tell from any other.
"""
import struct
import sys

DST = bytes.fromhex("020000000002")
BCAST = b"\xff" * 6
MCAST = bytes.fromhex("01005e000001")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(proto, l4, src=1, dst=2):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 7, 0, 64, proto, 0,
                    bytes([10, 0, 0, src]), bytes([10, 0, 0, dst]))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + l4


def udp(sport, dport, n=18):
    data = bytes(97 + i % 26 for i in range(n))
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def tcp(sport, dport, flags=0x02):
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, flags, 65535, 0, 0)


def ipv6_udp(sport, dport):
    l4 = udp(sport, dport)
    return struct.pack("!IHBB16s16s", 6 << 28, len(l4), 17, 64,
                       bytes.fromhex("fd00" + "00" * 13 + "01"),
                       bytes.fromhex("fd00" + "00" * 13 + "02")) + l4


def arp():
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, b"\x02\0\0\0\0\x01",
                       bytes([10, 0, 0, 1]), b"\0" * 6, bytes([10, 0, 0, 9]))


MARK = b""


def frame(src, tags, etype, payload, dst=DST):
    """tags: [(tpid, tci), ...] outermost first."""
    b = dst + src
    for tpid, tci in tags:
        b += struct.pack("!HH", tpid, tci)
    b += struct.pack("!H", etype) + payload + MARK
    return b + b"\0" * max(0, 60 - len(b))


def main():
    global MARK
    out, src = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", ""))
    if len(sys.argv) > 3:
        MARK = bytes.fromhex(sys.argv[3]) * 2
    Q, AD = 0x8100, 0x88A8
    fr = []
    for vid in (10, 20, 100):
        fr.append(frame(src, [(Q, vid)], 0x0800, ipv4(17, udp(50000 + vid, 40000 + vid))))
        fr.append(frame(src, [(AD, vid)], 0x0800, ipv4(17, udp(51000 + vid, 40100 + vid))))
        fr.append(frame(src, [(AD, 100), (Q, vid)], 0x0800, ipv4(17, udp(52000 + vid, 40200))))
        fr.append(frame(src, [(Q, vid)], 0x0800, ipv4(6, tcp(53000 + vid, 80))))
        fr.append(frame(src, [(AD, vid), (Q, 10)], 0x0800, ipv4(6, tcp(54000 + vid, 443))))
    fr.append(frame(src, [(Q, 0x2000 | 10)], 0x0800, ipv4(17, udp(55000, 40001))))  # PCP 1
    fr.append(frame(src, [(Q, 0)], 0x0800, ipv4(17, udp(55001, 40002))))  # priority tag
    fr.append(frame(src, [(AD, 0)], 0x0800, ipv4(17, udp(55002, 40003))))
    fr.append(frame(src, [(Q, 10)], 0x86DD, ipv6_udp(55003, 40004)))
    fr.append(frame(src, [(AD, 20), (Q, 30)], 0x86DD, ipv6_udp(55004, 40005)))
    fr.append(frame(src, [(Q, 10)], 0x0806, arp(), dst=BCAST))
    fr.append(frame(src, [(AD, 100)], 0x0806, arp(), dst=BCAST))
    fr.append(frame(src, [(Q, 20)], 0x0800, ipv4(17, udp(55005, 5353)), dst=MCAST))
    fr.append(frame(src, [(0x9100, 7)], 0x0800, ipv4(17, udp(55006, 40006))))
    fr.append(frame(src, [(0x9100, 7), (Q, 10)], 0x0800, ipv4(17, udp(55007, 40007))))
    fr.append(frame(src, [(Q, 10), (Q, 20), (Q, 30)], 0x0800, ipv4(17, udp(55008, 40008))))
    fr.append(frame(src, [(Q, 10)], 0x0800, ipv4(17, udp(55009, 40009, 1200))))
    fr.append(frame(src, [(AD, 10)], 0x05DC, b"\xaa\xaa\x03" + b"\0" * 40))  # 802.3 length
    fr.append(frame(src, [], 0x0800, ipv4(17, udp(55010, 40010))))  # untagged, for contrast
    # Shorter than 20 bytes with a tag: the kernel drops them.
    if not MARK:
        for n in (16, 18, 19):
            fr.append((DST + src + struct.pack("!HH", Q, 10) + b"\x08\x00\x45\x00")[:n])
        fr.append((DST + src + struct.pack("!HHH", AD, 20, 0x0800) + b"\x45\x00")[:20])
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for i, b in enumerate(fr):
            f.write(struct.pack("<IIII", 1, i, len(b), len(b)) + b)
    print(len(fr))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
# Floods the fou_dev module's devices with malformed FOU and GUE packets,
# and checks that the kernel's counters account for every one of them.
#
# usage: fou-flood.py COUNT
#        fou-flood.py --list      (prints each case's description, sends
#                                  nothing)
#
# Runs in the VM (tests/vm/malformed-flood), in the root namespace, which
# holds ul0 (198.18.0.1, 2001:db8:ff::1) and the devices fou_sys_5555 (FOU,
# ipproto 4) and fou_sys_6080 (GUE).  The frames leave namespace "peer"
# through l0, the other end of ul0, from a packet socket, so that they
# arrive exactly as made: a raw IP socket would fix their lengths and
# checksums.  Each case sends COUNT packets (fewer where one packet takes
# dozens of frames) and then checks, within a few seconds:
#   - that ul0 received every frame and dropped none;
#   - that the fou device the case is for counted each packet exactly once,
#     as received, dropped or an error, and the other fou device none;
#   - that the named counters, of the device or of the IP stack
#     (/proc/net/snmp, netstat, snmp6), went up by exactly the number of
#     packets.
# Prints one line per case: "ok|DESCRIPTION" or "FAILED|DESCRIPTION|WHY".
#
# Uses Debian's python3-scapy, so it runs under /usr/bin/python3.

import ctypes
import importlib.util
import os
import random
import socket
import sys
import time

# The layers it needs, not scapy.all: its start is slow enough in an
# emulated VM.
from scapy.config import conf
from scapy.layers.inet import IP, UDP, fragment
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment, fragment6
from scapy.layers.l2 import Ether
from scapy.packet import Raw

conf.verb = 0

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "fou_packet", os.path.join(HERE, "..", "fou-packet.py"))
fou_packet = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fou_packet)

FOU, GUE = 5555, 6080
DEVICES = {FOU: "fou_sys_5555", GUE: "fou_sys_6080"}
DEV_COUNTERS = ("rx_packets", "rx_dropped", "rx_errors", "rx_length_errors",
                "rx_frame_errors")
SRC4, DST4 = "198.18.0.2", "198.18.0.1"
SRC6, DST6 = "2001:db8:ff::2", "2001:db8:ff::1"
CLONE_NEWNET = 0x40000000
SETTLE_SECONDS = 10


def packet_socket(netns, ifname):
    """A packet socket on 'ifname' in namespace 'netns' (ip netns)."""
    libc = ctypes.CDLL(None, use_errno=True)
    with open("/proc/self/ns/net") as home, \
            open("/run/netns/" + netns) as there:
        if libc.setns(there.fileno(), CLONE_NEWNET):
            raise OSError(ctypes.get_errno(), "setns " + netns)
        try:
            sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
            sock.bind((ifname, 0))
            mac = sock.getsockname()[4].hex(":")
        finally:
            libc.setns(home.fileno(), CLONE_NEWNET)
    return sock, mac


def read_counters():
    """Every counter the cases name, as "DEVICE.counter" for devices and
    "Group.Name" for the IP stack's."""
    counters = {}
    for dev in list(DEVICES.values()) + ["ul0"]:
        for name in DEV_COUNTERS:
            with open("/sys/class/net/%s/statistics/%s" % (dev, name)) as f:
                counters["%s.%s" % (dev, name)] = int(f.read())
    for path in ("/proc/net/snmp", "/proc/net/netstat"):
        with open(path) as f:
            lines = f.read().splitlines()
        for names, values in zip(lines[0::2], lines[1::2]):
            group = names.split(":")[0]
            for name, value in zip(names.split()[1:], values.split()[1:]):
                counters["%s.%s" % (group, name)] = int(value)
    with open("/proc/net/snmp6") as f:
        for line in f:
            name, value = line.split()
            counters[name] = int(value)
    return counters


# Frames.  Each maker returns the frames of packet number 'i'.

def inner4(size=16):
    return bytes(fou_packet.inner_packet("4", b"x" * size))


def outer4(port, payload, csum=True, **ip):
    udp = UDP(sport=40000, dport=port)
    if not csum:
        udp.chksum = 0
    return IP(src=SRC4, dst=DST4, ttl=64, **ip) / udp / Raw(payload)


def outer6(port, payload, csum=False, **ip):
    udp = UDP(sport=40000, dport=port)
    if not csum:
        udp.chksum = 0
    return IPv6(src=SRC6, dst=DST6, hlim=64, **ip) / udp / Raw(payload)


def gue(payload, version=0, control=False, hlen=None, proto=4, flags=0,
        ext=b""):
    if hlen is None:
        hlen = len(ext) // 4
    return fou_packet.gue_header(version, control, hlen, proto, flags,
                                 ext) + payload


def bad_udp_csum(pkt):
    good = pkt.__class__(bytes(pkt))[UDP].chksum
    pkt[UDP].chksum = (good + 1) & 0xffff or 1
    return pkt


def with_udp_len(pkt, length):
    pkt[UDP].len = length
    return pkt


def truncated_ipv6(pkt):
    pkt.plen = len(pkt[UDP]) + 100
    return pkt


def ip4_fragments(i, size):
    pkt = outer4(FOU, inner4(size=size), id=i & 0xffff)
    return fragment(pkt, fragsize=400)


def ip6_fragments(i, size):
    pkt = (IPv6(src=SRC6, dst=DST6, hlim=64) / IPv6ExtHdrFragment(id=i)
           / UDP(sport=40000, dport=FOU, chksum=0) / Raw(inner4(size=size)))
    return fragment6(pkt, 500)


def split_fragments4(i, port, payload, first):
    """A UDP datagram as two outer IPv4 fragments, the first holding the
    first 'first' bytes of UDP (a multiple of 8).  Reassembled, the skb's
    head ends there and the rest hangs in its frag_list, so whatever the
    receive path reads beyond must be pulled, which may move the head."""
    udp = bytes(UDP(sport=40000, dport=port, chksum=0) / Raw(payload))
    ip = dict(src=SRC4, dst=DST4, ttl=64, proto=17, id=i & 0xffff)
    return [IP(flags="MF", frag=0, **ip) / Raw(udp[:first]),
            IP(frag=first // 8, **ip) / Raw(udp[first:])]


def split_fragments6(i, port, payload, first):
    """The same over IPv6, which netfilter's defragmentation reassembles."""
    udp = bytes(UDP(sport=40000, dport=port, chksum=0) / Raw(payload))
    ip = IPv6(src=SRC6, dst=DST6, hlim=64)
    return [ip / IPv6ExtHdrFragment(nh=17, id=i, m=1, offset=0)
            / Raw(udp[:first]),
            ip / IPv6ExtHdrFragment(nh=17, id=i, m=0, offset=first // 8)
            / Raw(udp[first:])]


def ip4_past_65535(i):
    """A UDP datagram in 45 fragments of 1480 bytes: 66,620 bytes in all,
    more than an IPv4 packet can hold (the "ping of death")."""
    frags = []
    for n in range(45):
        data = b"\x00" * 1480
        if n == 0:
            data = bytes(UDP(sport=40000, dport=FOU, len=8, chksum=0)) \
                + data[8:]
        frags.append(IP(src=SRC4, dst=DST4, ttl=64, proto=17, id=i & 0xffff,
                        flags="MF" if n < 44 else 0, frag=n * 185)
                     / Raw(data))
    return frags


class Case:
    def __init__(self, description, port, expect, make, count=None):
        self.description = description
        self.port = port            # the fou device's port, or None
        self.expect = expect        # counter name -> packets it must count
        self.make = make            # i -> frames (scapy packets or bytes)
        self.count = count


def cases():
    rng = random.Random(1)
    inner = inner4()
    v4 = lambda *a, **k: lambda i: [outer4(*a, **k)]
    v6 = lambda *a, **k: lambda i: [outer6(*a, **k)]
    fou, gue_dev = DEVICES[FOU], DEVICES[GUE]
    # Extension fields with no flags: Linux skips what it does not know.
    ext12 = bytes(range(1, 13))
    ext124 = bytes(range(1, 125))
    return [
        Case("valid FOU, IPv4 in IPv4", FOU,
             {fou + ".rx_packets": 1}, v4(FOU, inner)),
        Case("valid FOU over IPv6, zero UDP checksum", FOU,
             {fou + ".rx_packets": 1}, v6(FOU, inner)),
        Case("valid GUE, IPv4 in IPv4", GUE,
             {gue_dev + ".rx_packets": 1}, v4(GUE, gue(inner))),
        Case("valid GUE over IPv6", GUE,
             {gue_dev + ".rx_packets": 1}, v6(GUE, gue(inner))),
        Case("outer IPv4 in fragments, reassembled and received", FOU,
             {fou + ".rx_packets": 1, "Ip.ReasmOKs": 1},
             lambda i: ip4_fragments(i, 1000), 100),
        # Netfilter's IPv6 defragmentation (nf_defrag_ipv6, which the
        # openvswitch module brings) reassembles IPv6 before the IPv6
        # stack's own does, so no Ip6Reasm* counter moves for these.
        Case("outer IPv6 in fragments, reassembled and received", FOU,
             {fou + ".rx_packets": 1, "Udp6InDatagrams": 1},
             lambda i: ip6_fragments(i, 1000), 100),
        Case("a lone outer IPv4 fragment times out", None,
             {"Ip.ReasmTimeout": 1},
             lambda i: ip4_fragments(i, 1000)[:1], 100),
        Case("a lone outer IPv6 fragment times out", None,
             {"Ip6ReasmTimeout": 1},
             lambda i: ip6_fragments(i, 1000)[:1], 100),
        Case("outer IPv4 fragments past 65535 bytes fail reassembly", None,
             {"Ip.ReasmFails": 1}, ip4_past_65535, 10),
        Case("IPv4 total length past the frame", None,
             {"IpExt.InTruncatedPkts": 1},
             v4(FOU, inner, len=20 + 8 + len(inner) + 100)),
        Case("IPv4 header checksum wrong", None,
             {"IpExt.InCsumErrors": 1}, v4(FOU, inner, chksum=0x1234)),
        Case("IPv6 payload length past the frame", None,
             {"Ip6InTruncatedPkts": 1},
             lambda i: [truncated_ipv6(outer6(FOU, inner))]),
        Case("UDP length past the IPv4 payload", None,
             {"Udp.InErrors": 1},
             lambda i: [with_udp_len(outer4(FOU, inner, csum=False), 400)]),
        Case("UDP length shorter than the UDP header", None,
             {"Udp.InErrors": 1},
             lambda i: [with_udp_len(outer4(FOU, inner, csum=False), 4)]),
        Case("UDP checksum wrong, IPv4", None,
             {"Udp.InCsumErrors": 1},
             lambda i: [bad_udp_csum(outer4(FOU, inner))]),
        Case("UDP checksum wrong, IPv6", None,
             {"Udp6InCsumErrors": 1},
             lambda i: [bad_udp_csum(outer6(FOU, inner, csum=True))]),
        Case("FOU with no payload", FOU,
             {fou + ".rx_dropped": 1}, v4(FOU, b"")),
        Case("FOU inner IPv4 header cut to 10 bytes", FOU,
             {fou + ".rx_length_errors": 1, fou + ".rx_errors": 1},
             v4(FOU, inner[:10])),
        Case("FOU inner IPv6 on an ipproto 4 port", FOU,
             {fou + ".rx_dropped": 1},
             v4(FOU, bytes(fou_packet.inner_packet("6")))),
        Case("FOU inner not IP", FOU,
             {fou + ".rx_dropped": 1}, v4(FOU, b"\x00" * 40)),
        Case("outer IPv4 ECN CE over an inner packet that is not "
             "ECN-capable",
             FOU, {fou + ".rx_frame_errors": 1, fou + ".rx_errors": 1},
             v4(FOU, inner, tos=3)),
        Case("outer IPv6 ECN CE over an inner packet that is not "
             "ECN-capable", FOU,
             {fou + ".rx_frame_errors": 1, fou + ".rx_errors": 1},
             v6(FOU, inner, tc=3)),
        Case("GUE version 2", GUE,
             {gue_dev + ".rx_dropped": 1}, v4(GUE, gue(inner, version=2))),
        Case("GUE version 2 over IPv6", GUE,
             {gue_dev + ".rx_dropped": 1}, v6(GUE, gue(inner, version=2))),
        Case("GUE version 1 with a payload that is not IP", GUE,
             {gue_dev + ".rx_dropped": 1}, v4(GUE, b"\x70" + inner[1:])),
        Case("GUE control message", GUE,
             {gue_dev + ".rx_dropped": 1}, v4(GUE, gue(inner, control=True))),
        Case("GUE header length past the packet", GUE,
             {gue_dev + ".rx_dropped": 1}, v4(GUE, gue(inner, hlen=31))),
        Case("GUE header cut short", GUE,
             {gue_dev + ".rx_dropped": 1}, v4(GUE, gue(inner)[:3])),
        Case("GUE unknown flag", GUE,
             {gue_dev + ".rx_dropped": 1},
             v4(GUE, gue(inner, flags=0x8000))),
        Case("GUE private flag without its field", GUE,
             {gue_dev + ".rx_dropped": 1},
             v4(GUE, gue(inner, flags=0x0001))),
        Case("GUE remote checksum offload", GUE,
             {gue_dev + ".rx_dropped": 1},
             v4(GUE, gue(inner, flags=0x0001, ext=b"\x80\0\0\0"))),
        Case("GUE inner protocol 47 (not IP)", GUE,
             {gue_dev + ".rx_dropped": 1}, v4(GUE, gue(inner, proto=47))),
        Case("GUE MPLS cut to 1 byte of its 4-byte label stack entry", GUE,
             {gue_dev + ".rx_length_errors": 1, gue_dev + ".rx_errors": 1},
             v4(GUE, gue(b"\x00", proto=137))),
        Case("GUE inner protocol 0", GUE,
             {gue_dev + ".rx_dropped": 1}, v4(GUE, gue(inner, proto=0))),
        Case("valid GUE with extension fields and no flags", GUE,
             {gue_dev + ".rx_packets": 1}, v4(GUE, gue(inner, ext=ext12))),
    ] + [
        Case("GUE in two outer IPv%d fragments, split %d bytes into UDP "
             "(%d-byte GUE header)" % (family, first, 4 + len(ext)), GUE,
             {gue_dev + ".rx_packets": 1, reasm: 1},
             lambda i, s=split, e=ext, f=first:
             s(i, GUE, gue(inner, ext=e), f), 100)
        for family, split, reasm in ((4, split_fragments4, "Ip.ReasmOKs"),
                                     (6, split_fragments6, "Udp6InDatagrams"))
        for ext, first in ((b"", 8), (ext12, 8), (ext12, 16), (ext12, 24),
                           (ext124, 8), (ext124, 64), (ext124, 136))
    ] + [
        Case("random FOU payloads", FOU, {},
             lambda i: [outer4(FOU, rng.randbytes(rng.randrange(1, 200)))]),
        Case("random GUE payloads", GUE, {},
             lambda i: [outer4(GUE, rng.randbytes(rng.randrange(1, 200)))]),
        Case("random GUE payloads behind a valid GUE header", GUE, {},
             lambda i: [outer4(GUE, gue(rng.randbytes(rng.randrange(1, 200)),
                                        proto=rng.choice((4, 41))))]),
    ]


def account(case, count, frames, before, after):
    """Why the counters do not account for 'count' packets of 'case' in
    'frames' frames, or None if they do."""
    delta = {k: v - before.get(k, 0) for k, v in after.items()}
    problems = []
    # The peer's own neighbour discovery may add a frame or two.
    if delta["ul0.rx_packets"] < frames or delta["ul0.rx_dropped"]:
        problems.append("ul0 received %d of %d frames and dropped %d"
                        % (delta["ul0.rx_packets"], frames,
                           delta["ul0.rx_dropped"]))
    for port, dev in DEVICES.items():
        seen = sum(delta["%s.%s" % (dev, c)]
                   for c in ("rx_packets", "rx_dropped", "rx_errors"))
        want = count if port == case.port else 0
        if seen != want:
            problems.append("%s counted %d packets, not %d (%s)"
                            % (dev, seen, want, ", ".join(
                                "%s +%d" % (c, delta["%s.%s" % (dev, c)])
                                for c in DEV_COUNTERS)))
    for name, per_packet in case.expect.items():
        if delta.get(name, 0) != per_packet * count:
            problems.append("%s went up by %d, not %d"
                            % (name, delta.get(name, 0), per_packet * count))
    if problems:
        problems.append("the IP stack's counters that moved: " + ", ".join(
            "%s +%d" % (k, v) for k, v in sorted(delta.items())
            if v and k.split(".")[0] not in ("ul0",) + tuple(DEVICES.values())))
    return "; ".join(problems) or None


def run_case(sock, eth, case, count):
    count = case.count or count
    frames = [bytes(eth / f) if not isinstance(f, bytes) else f
              for i in range(count) for f in case.make(i + 1)]
    before = read_counters()
    for frame in frames:
        sock.send(frame)
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        why = account(case, count, len(frames), before, read_counters())
        if why is None or time.monotonic() > deadline:
            return why
        time.sleep(0.2)


def main():
    if sys.argv[1] == "--list":
        for case in cases():
            print(case.description)
        return 0
    count = int(sys.argv[1])
    sock, peer_mac = packet_socket("peer", "l0")
    with open("/sys/class/net/ul0/address") as f:
        eth = Ether(src=peer_mac, dst=f.read().strip())
    for case in cases():
        why = run_case(sock, eth, case, count)
        if why:
            print("FAILED|%s|%s" % (case.description, why), flush=True)
        else:
            print("ok|%s" % case.description, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

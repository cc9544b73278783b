#!/usr/bin/python3
# Crafts and decodes FOU and GUE packets for the ovs-fou tests, with scapy,
# independently of the OVS code under test.
#
#   fou-packet.py inner [--inner 4|6|mpls] [--l2]
#       An inner packet as hex: IPv4, IPv6 or MPLS carrying ICMP echo.
#       --l2 puts the all-zero Ethernet header that a legacy_l3 port adds.
#   fou-packet.py outer [options]
#       A whole FOU or GUE frame as hex, as received on the underlay; with
#       --encap vxlan, a VXLAN one (VNI 0) around the inner packet in the
#       all-zero Ethernet header, for checks that every UDP tunnel shares.
#   fou-packet.py sport HEX
#       The UDP source port of a frame.
#   fou-packet.py batch
#       For each line of "outer" options on standard input, the frame as
#       hex: scapy starts slowly, which counts in an emulated VM.
#   fou-packet.py tcp [--inner 4|6] --len N [--l2]
#       An inner TCP packet (ACK, sequence number 1000) with N bytes of
#       payload, as a guest hands a TSO packet of up to 64 kB to OVS.
#   fou-packet.py segments --mss M --len N [outer options]
#       The frames, one per line as hex, that "tcp" with the same --len
#       becomes pushed through the tunnel "outer" describes and segmented
#       into at most M bytes of payload each: the TCP sequence numbers
#       advance, inner and outer IPv4 IDs count up from the packet's and
#       the header's, and every length and checksum is computed again.
#   fou-packet.py checksums HEX...
#       For each frame, a line naming its IPv4, UDP, TCP and ICMP headers,
#       outermost first, each with whether its checksum is right: "ip:ok",
#       "udp:ok", "udp:none" (zero, not computed), "ip:bad" and so on.  UDP
#       port 5555 is decoded as FOU carrying IPv4, 4789 as VXLAN, and GRE
#       with its payload, so that every header of a nested tunnel shows.
#   fou-packet.py strip-gue IN OUT
#       The capture IN with each GUE datagram's 4-byte header (variant 0,
#       no extensions) taken out, and its lengths fixed, written to OUT, so
#       that tshark, which has no GUE dissector, can decode the inner
#       packets as it decodes FOU's.
#
# Uses Debian's python3-scapy, so it runs under /usr/bin/python3.

import argparse
import struct
import sys

# The layers it needs, not scapy.all, which loads every layer scapy has:
# half the CPU time of a start, which each test pays several times.
from scapy.compat import bytes_hex
from scapy.config import conf
from scapy.contrib.mpls import MPLS
from scapy.layers.inet import ICMP, IP, TCP, UDP, in4_chksum
from scapy.layers.inet6 import (HBHOptUnknown, ICMPv6EchoRequest, IPv6,
                                IPv6ExtHdrDestOpt, PadN)
from scapy.layers.l2 import GRE, Ether
from scapy.layers.vxlan import VXLAN
from scapy.packet import Raw, bind_layers
from scapy.utils import checksum, rdpcap, wrpcap

conf.verb = 0

IPPROTO = {"4": 4, "6": 41, "mpls": 137}


def inner_packet(kind, payload=b"fou-test-payload", tos=0):
    if kind == "4":
        return IP(src="10.0.0.1", dst="10.0.0.2", id=1, tos=tos) \
            / ICMP(id=7, seq=1) / Raw(payload)
    if kind == "6":
        return IPv6(src="fd00::1", dst="fd00::2", tc=tos) \
            / ICMPv6EchoRequest(id=7, seq=1) / Raw(payload)
    if kind == "mpls":
        return MPLS(label=100, s=1, ttl=64) / inner_packet("4", payload)
    raise ValueError(kind)


def tcp_packet(kind, length, segment=0, mss=None):
    """The inner TCP packet of "tcp", or with 'mss', its segment number
    'segment' as segmentation makes it."""
    payload = bytes(i % 251 for i in range(length))
    seq = 1000
    if mss is not None:
        payload = payload[segment * mss:(segment + 1) * mss]
        seq += segment * mss
    tcp = TCP(sport=1234, dport=80, seq=seq, ack=1, flags="A",
              window=8192) / Raw(payload)
    if kind == "4":
        return IP(src="10.0.0.1", dst="10.0.0.2", id=1 + segment) / tcp
    return IPv6(src="fd00::1", dst="fd00::2") / tcp


def zero_ethernet(kind, pkt):
    """'pkt' in the all-zero Ethernet header that legacy_l3 ports use."""
    etype = {"4": 0x0800, "6": 0x86dd, "mpls": 0x8847}[kind]
    return Ether(src="00:00:00:00:00:00", dst="00:00:00:00:00:00",
                 type=etype) / pkt


def gue_header(version, control, hlen, proto, flags, ext):
    first = (version << 6) | (0x20 if control else 0) | (hlen & 0x1f)
    return struct.pack("!BBH", first, proto, flags) + ext


def outer_frame(args, inner=None, ip_id=0):
    if inner is None:
        inner = bytes(inner_packet(args.inner, tos=args.inner_tos))
    if args.inner_len is not None:
        inner = inner[:args.inner_len]
    if args.encap == "gue":
        proto = args.gue_proto
        if proto is None:
            proto = IPPROTO[args.inner]
        ext = bytes.fromhex(args.gue_ext)
        hlen = args.gue_hlen if args.gue_hlen is not None else len(ext) // 4
        payload = gue_header(args.gue_version, args.gue_control, hlen,
                             proto, args.gue_flags, ext) + inner
    elif args.encap == "vxlan":
        payload = bytes(VXLAN(flags=0x08, vni=0)
                        / zero_ethernet(args.inner, Raw(inner)))
    else:
        # Direct FOU, and GUE variant 1, which is the same bytes.
        payload = inner
    if args.payload is not None:
        payload = bytes.fromhex(args.payload)

    udp = UDP(sport=args.sport, dport=args.dport)
    if args.udp_len is not None:
        udp.len = args.udp_len
    eth = Ether(src=args.src_mac, dst=args.dst_mac)
    if args.outer == "6":
        frame = eth / IPv6(src=args.src, dst=args.dst, hlim=64, tc=args.tos)
        if args.encap_limit is not None:
            # What Linux's ip6tnl puts before UDP unless "encaplimit none":
            # a Destination Options header with a Tunnel Encapsulation
            # Limit option (RFC 2473), padded to 8 bytes.
            frame = frame / IPv6ExtHdrDestOpt(options=[
                HBHOptUnknown(otype=4, optdata=bytes([args.encap_limit])),
                PadN(optdata=b"\0")])
        frame = frame / udp
    else:
        frame = eth / IP(src=args.src, dst=args.dst, ttl=64, id=ip_id,
                         flags="DF", tos=args.tos) / udp
    frame = frame / Raw(payload)
    if not args.csum:
        frame[UDP].chksum = 0
    elif args.bad_csum:
        frame[UDP].chksum = (Ether(bytes(frame))[UDP].chksum + 1) & 0xffff
    raw = bytes(frame)
    if args.truncate:
        raw = raw[:-args.truncate]
    return raw + b"\xa5" * args.pad


def make_parser():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("inner")
    p.add_argument("--inner", choices=["4", "6", "mpls"], default="4")
    p.add_argument("--inner-tos", type=lambda s: int(s, 0), default=0,
                   help="the inner TOS or traffic class")
    p.add_argument("--l2", action="store_true")

    p = sub.add_parser("tcp")
    p.add_argument("--inner", choices=["4", "6"], default="4")
    p.add_argument("--len", type=int, required=True)
    p.add_argument("--l2", action="store_true")

    for name in ("outer", "segments"):
        add_outer_arguments(sub.add_parser(name))

    p = sub.add_parser("sport")
    p.add_argument("hex")

    sub.add_parser("batch")

    p = sub.add_parser("checksums")
    p.add_argument("hex", nargs="+")

    p = sub.add_parser("strip-gue")
    p.add_argument("input")
    p.add_argument("output")
    return parser


def add_outer_arguments(p):
    """The options of "outer", and of "segments", which adds --mss and
    --len."""
    p.add_argument("--mss", type=int)
    p.add_argument("--len", type=int)
    p.add_argument("--outer", choices=["4", "6"], default="4")
    p.add_argument("--inner", choices=["4", "6", "mpls"], default="4")
    p.add_argument("--encap", choices=["fou", "gue", "vxlan"],
                   default="fou")
    p.add_argument("--src", default="1.1.2.92")
    p.add_argument("--dst", default="1.1.2.88")
    p.add_argument("--src-mac", default="f8:bc:12:44:34:b6")
    p.add_argument("--dst-mac", default="aa:55:aa:55:00:00")
    p.add_argument("--sport", type=int, default=40000)
    p.add_argument("--dport", type=int, default=5555)
    p.add_argument("--tos", type=lambda s: int(s, 0), default=0)
    p.add_argument("--inner-tos", type=lambda s: int(s, 0), default=0,
                   help="the inner TOS or traffic class")
    p.add_argument("--encap-limit", type=int,
                   help="over IPv6, a Destination Options header with this "
                   "Tunnel Encapsulation Limit before UDP")
    p.add_argument("--csum", action="store_true",
                   help="compute the UDP checksum (otherwise zero)")
    p.add_argument("--inner-len", type=int,
                   help="cut the inner packet to this many bytes")
    p.add_argument("--bad-csum", action="store_true",
                   help="corrupt the UDP checksum")
    p.add_argument("--udp-len", type=int)
    p.add_argument("--truncate", type=int, default=0,
                   help="cut this many bytes off the end")
    p.add_argument("--pad", type=int, default=0,
                   help="add this many bytes of (non-zero) Ethernet padding")
    p.add_argument("--payload", help="the whole UDP payload, hex")
    p.add_argument("--gue-version", type=int, default=0)
    p.add_argument("--gue-control", action="store_true")
    p.add_argument("--gue-hlen", type=int)
    p.add_argument("--gue-proto", type=int)
    p.add_argument("--gue-flags", type=lambda s: int(s, 0), default=0)
    p.add_argument("--gue-ext", default="", help="extension fields, hex")


def header_checksums(frame):
    """The IPv4, UDP, TCP and ICMP headers of 'frame', outermost first, each
    as "NAME:ok", "NAME:bad" or, for a zero UDP checksum, "udp:none"."""
    bind_layers(UDP, IP, dport=5555)
    results = []
    layer = Ether(frame)
    ip = None
    while layer and not isinstance(layer, Raw):
        raw = bytes(layer)
        if isinstance(layer, IP):
            ok = checksum(raw[:layer.ihl * 4]) == 0
            results.append("ip:" + ("ok" if ok else "bad"))
            ip = layer
        elif isinstance(layer, UDP) and layer.chksum == 0:
            results.append("udp:none")
        elif isinstance(layer, (UDP, TCP)) and ip is not None:
            name = "udp" if isinstance(layer, UDP) else "tcp"
            ok = in4_chksum(ip.proto, ip, raw[:ip.len - ip.ihl * 4]) == 0
            results.append(name + ":" + ("ok" if ok else "bad"))
        elif isinstance(layer, ICMP):
            ok = checksum(raw[:ip.len - ip.ihl * 4]) == 0
            results.append("icmp:" + ("ok" if ok else "bad"))
        layer = layer.payload
    return " ".join(results)


def strip_gue(frame):
    """'frame' without the GUE header of its UDP payload, with its IP and
    UDP lengths and checksums computed again."""
    udp = frame[UDP]
    payload = bytes(udp.payload)
    if len(payload) < 4 or payload[0] >> 6 != 0 or payload[0] & 0x1f:
        raise ValueError("not GUE variant 0 without extensions: %s"
                         % frame.summary())
    ip = frame[IP] if IP in frame else frame[IPv6]
    new = ip.copy()
    new[UDP].remove_payload()
    new[UDP].len = None
    new[UDP].chksum = None
    if IP in frame:
        new.len = None
        new.chksum = None
    else:
        new.plen = None
    return Ether(bytes(frame[Ether])[:14]) / new / Raw(payload[4:])


def main():
    parser = make_parser()
    args = parser.parse_args()
    if args.cmd == "inner":
        pkt = inner_packet(args.inner, tos=args.inner_tos)
        if args.l2:
            pkt = zero_ethernet(args.inner, pkt)
        print(bytes_hex(bytes(pkt)).decode())
    elif args.cmd == "outer":
        print(bytes_hex(outer_frame(args)).decode())
    elif args.cmd == "tcp":
        pkt = tcp_packet(args.inner, args.len)
        if args.l2:
            pkt = zero_ethernet(args.inner, pkt)
        print(bytes_hex(bytes(pkt)).decode())
    elif args.cmd == "segments":
        if args.mss is None or args.len is None or args.inner == "mpls":
            parser.error("segments needs --mss, --len and --inner 4 or 6")
        for i in range((args.len + args.mss - 1) // args.mss):
            inner = bytes(tcp_packet(args.inner, args.len, i, args.mss))
            print(bytes_hex(outer_frame(args, inner, ip_id=i)).decode())
    elif args.cmd == "sport":
        print(Ether(bytes.fromhex(args.hex.strip()))[UDP].sport)
    elif args.cmd == "batch":
        for line in sys.stdin:
            one = parser.parse_args(["outer"] + line.split())
            print(bytes_hex(outer_frame(one)).decode())
    elif args.cmd == "checksums":
        for frame in args.hex:
            print(header_checksums(bytes.fromhex(frame.strip())))
    elif args.cmd == "strip-gue":
        wrpcap(args.output, [strip_gue(f) for f in rdpcap(args.input)])
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The packets of the DPDK benchmark (tests/bench/userspace-dpdk), made with
scapy as the other end of each tunnel would send them, independently of the
OVS code under test.

Encap direction: inner Ethernet + IPv4 + UDP frames that OVS tunnels out.
Decap direction: the same inner packets already tunnelled, addressed to OVS's
underlay bridge, for each tunnel type.  Each type's decap packets carry their
own inner UDP destination port, so that a captured inner packet tells which
tunnel it came out of.

Each run has one underlay (UNDERLAYS): IPv4 with no UDP checksum, as Linux
and OVS send by default; IPv4 with UDP checksums (csum=true, and checksummed
datagrams to decapsulate); IPv6, checksummed as both send it by default.
"""

from scapy.all import IP, UDP, Ether, IPv6, Raw, wrpcap
from scapy.contrib.geneve import GENEVE
from scapy.layers.l2 import GRE
from scapy.layers.vxlan import VXLAN

TYPES = ["fou", "gue", "vxlan", "geneve", "gre"]
# UNDERLAY: (outer IP version, UDP checksums, the types measured over it).
# GRE, which has no UDP checksum, is measured over plain IPv4 alone.
UNDERLAYS = {"ipv4": (4, False, TYPES),
             "ipv4-csum": (4, True, TYPES[:4]),
             "ipv6": (6, True, TYPES[:4])}
SIZES = [64, 1400]          # Inner IP packet, in bytes, as in test-tunnel-bench.
FLOWS = 16                  # Inner UDP source ports, for the outer's entropy.

LOCAL_IP, REMOTE_IP = "198.18.0.1", "198.18.0.2"
LOCAL_IP6, REMOTE_IP6 = "2001:db8:ff::1", "2001:db8:ff::2"
LOCAL_MAC, REMOTE_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
HOST_MAC, PEER_MAC = "02:00:00:00:01:01", "02:00:00:00:01:02"
INNER_SRC, INNER_DST = "10.0.0.1", "10.0.0.2"
ENCAP_DPORT = 6000
UDP_PORTS = {"fou": 5555, "gue": 6080, "vxlan": 4789, "geneve": 6081}


def types(underlay):
    """The tunnel types measured over 'underlay'."""
    return UNDERLAYS[underlay][2]


def checksummed(underlay):
    """Whether 'underlay''s UDP datagrams carry a checksum."""
    return UNDERLAYS[underlay][1]


def over_ipv6(underlay):
    """Whether 'underlay' is IPv6."""
    return UNDERLAYS[underlay][0] == 6


def addresses(underlay):
    """OVS's and the remote end's outer IP addresses over 'underlay'."""
    if over_ipv6(underlay):
        return LOCAL_IP6, REMOTE_IP6
    return LOCAL_IP, REMOTE_IP


def decap_dport(tunnel):
    """The inner UDP destination port of 'tunnel''s decap packets."""
    return 7000 + TYPES.index(tunnel)


def inner_ip(size, sport, dport):
    """An IPv4 + UDP packet of 'size' bytes with a recognisable payload."""
    payload_len = size - 28
    payload = bytes((sport + i) & 0xff for i in range(payload_len))
    return IP(src=INNER_SRC, dst=INNER_DST, id=0) \
        / UDP(sport=sport, dport=dport) / Raw(payload)


def encap_input(size):
    """What the encap direction's source port receives."""
    return [Ether(src=HOST_MAC, dst=PEER_MAC)
            / inner_ip(size, 1024 + i, ENCAP_DPORT) for i in range(FLOWS)]


def tunnel_header(tunnel, inner, entropy, csum):
    """Outer UDP or GRE, and the tunnel's own header, before 'inner'; with
    'csum', a UDP checksum (scapy computes it), else none."""
    if tunnel == "gre":
        return GRE(proto=0x0800) / inner
    udp = UDP(sport=49152 + entropy, dport=UDP_PORTS[tunnel],
              chksum=None if csum else 0)
    if tunnel == "fou":
        return udp / inner
    if tunnel == "gue":
        # Version 0, no extension fields, proto/ctype 4: IPv4.
        return udp / Raw(bytes([0, 4, 0, 0])) / inner
    l2 = Ether(src=PEER_MAC, dst=HOST_MAC) / inner
    if tunnel == "vxlan":
        return udp / VXLAN(vni=0, flags=0x08) / l2
    return udp / GENEVE(vni=0, proto=0x6558) / l2


def outer_ip(underlay):
    """The outer IP header of what the remote end sends over 'underlay'."""
    local, remote = addresses(underlay)
    if over_ipv6(underlay):
        return IPv6(src=remote, dst=local, hlim=64)
    return IP(src=remote, dst=local, id=0, flags="DF", ttl=64)


def decap_input(tunnel, size, underlay):
    """What the decap direction's source port receives for 'tunnel' over
    'underlay'."""
    return [Ether(src=REMOTE_MAC, dst=LOCAL_MAC) / outer_ip(underlay)
            / tunnel_header(tunnel,
                            inner_ip(size, 1024 + i, decap_dport(tunnel)), i,
                            checksummed(underlay))
            for i in range(FLOWS)]


def write_pcaps(directory, underlay):
    """Writes encap-SIZE.pcap and decap-TYPE-SIZE.pcap into 'directory'."""
    for size in SIZES:
        wrpcap("%s/encap-%d.pcap" % (directory, size), encap_input(size))
        for tunnel in types(underlay):
            wrpcap("%s/decap-%s-%d.pcap" % (directory, tunnel, size),
                   decap_input(tunnel, size, underlay))


def expected_payloads():
    """The inner UDP payloads sent, as hex, by (sport, size): what every
    captured packet's inner payload must be."""
    return {(1024 + i, size): bytes(inner_ip(size, 1024 + i, 0)[Raw]).hex()
            for i in range(FLOWS) for size in SIZES}

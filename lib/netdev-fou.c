/*
 * Copyright (c) 2026 The ovs-fou authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/* FOU and GUE on the wire: building the header that tnl_push() puts on,
 * the pop that takes it off (every drop counted by its reason), and the
 * text of the header in datapath actions. */

#include <config.h>

#include "netdev-fou.h"

#include <errno.h>
#include <netinet/in.h>

#include "coverage.h"
#include "dp-packet.h"
#include "netdev-fou-private.h"
#include "netdev-native-tnl.h"
#include "netdev-provider.h"
#include "odp-netlink.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "packets.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(netdev_fou);

/* Every receive drop has its own counter ("ovs-appctl coverage/show"). */
COVERAGE_DEFINE(fou_drop_truncated);     /* Too short for its headers. */
COVERAGE_DEFINE(fou_drop_udp_len);       /* UDP length is not IP's payload. */
COVERAGE_DEFINE(fou_drop_outer);         /* Outer IP or UDP header refused. */
COVERAGE_DEFINE(fou_drop_no_port);       /* No fou Interface on the port. */
COVERAGE_DEFINE(fou_drop_inner_proto);   /* Inner protocol not expected. */
COVERAGE_DEFINE(gue_drop_version);       /* GUE version 2 or 3. */
COVERAGE_DEFINE(gue_drop_hlen);          /* GUE Hlen past the payload. */
COVERAGE_DEFINE(gue_drop_flags);         /* GUE flags Linux would refuse. */
COVERAGE_DEFINE(gue_drop_control);       /* GUE control message. */
COVERAGE_DEFINE(fou_push_packet_type);   /* Not IPv4, IPv6, MPLS or ipproto. */

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(60, 5);

/* GUE header, draft-ietf-intarea-gue section 3.1 (Linux: struct guehdr):
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Ver|C|   Hlen  |  Proto/ctype  |             Flags             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |          Extension fields, 'Hlen' 32-bit words                |
 *
 * Version 1 has no GUE header at all: the UDP payload is an IPv4 or IPv6
 * packet, whose version nibble (0100 or 0110) starts with the bits 01. */
struct guehdr {
    uint8_t ver_c_hlen;
    uint8_t proto_ctype;
    ovs_be16 flags;
};
BUILD_ASSERT_DECL(sizeof(struct guehdr) == 4);

#define GUE_VERSION(VCH) ((VCH) >> 6)
#define GUE_C 0x20                /* Control message, not data. */
#define GUE_HLEN(VCH) (((VCH) & 0x1f) * 4)

/* The only flag Linux knows: 4 bytes of private flags follow the header,
 * of which Linux knows only remote checksum offload. */
#define GUE_F_PRIV 0x0001
#define GUE_PRIV_LEN 4
#define GUE_PF_REMCSUM 0x80000000

/* Smallest inner packets worth handing to the datapath. */
#define MIN_INNER_IPV4 IP_HEADER_LEN
#define MIN_INNER_IPV6 IPV6_HEADER_LEN
#define MIN_INNER_MPLS MPLS_HLEN

/* Transmit. */

/* Whether direct FOU, which carries no protocol field, may send IP protocol
 * 'ipproto' on a port configured with 'only' (0: ipproto=auto).  The peer
 * ("ip fou add port N ipproto P") drops any other protocol than P; with
 * auto, it takes the inner protocol from the IP version nibble, which MPLS
 * does not have. */
static bool
fou_direct_can_send(uint8_t only, uint8_t ipproto)
{
    return only ? ipproto == only : ipproto != IPPROTO_MPLS;
}

/* Builds the header of a FOU or GUE datagram from 'netdev', whose
 * configuration the caller holds in 'cfg' (as the version of OVS requires:
 * under the netdev's mutex, or RCU-protected), for the flow in 'params'. */
int
netdev_fou_build_header(const struct netdev *netdev,
                        const struct netdev_tunnel_config *cfg,
                        struct ovs_action_push_tnl *data,
                        const struct netdev_tnl_build_header_params *params)
{
    ovs_be32 packet_type = params->flow->packet_type;
    uint8_t only = cfg->fou_ipproto;
    struct udp_header *udp;
    uint8_t ipproto = 0;
    void *payload;

    if (pt_ns(packet_type) == OFPHTN_ETHERTYPE) {
        ipproto = fou_ipproto_from_ethertype(pt_ns_type_be(packet_type));
    }
    if (!ipproto) {
        COVERAGE_INC(fou_push_packet_type);
        VLOG_WARN_RL(&rl, "%s: cannot send packet_type=(%u,%#"PRIx16") "
                     "over FOU, which carries only IPv4, IPv6 and MPLS",
                     netdev_get_name(netdev), pt_ns(packet_type),
                     pt_ns_type(packet_type));
        return EINVAL;
    }

    if (!cfg->fou_gue && !fou_direct_can_send(only, ipproto)) {
        COVERAGE_INC(fou_push_packet_type);
        if (only) {
            VLOG_WARN_RL(&rl, "%s: not sending IP protocol %"PRIu8" over a "
                         "FOU tunnel configured with ipproto=%"PRIu8,
                         netdev_get_name(netdev), ipproto, only);
        } else {
            VLOG_WARN_RL(&rl, "%s: not sending MPLS over a FOU tunnel with "
                         "ipproto=auto, whose receiver tells IPv4 from IPv6 "
                         "by the version nibble and cannot recognise MPLS; "
                         "set ipproto=137 or encap=gue",
                         netdev_get_name(netdev));
        }
        return EINVAL;
    }
    payload = netdev_tnl_udp_build_header(cfg, data, params);

    udp = ALIGNED_CAST(struct udp_header *, (char *) payload - sizeof *udp);
    if (fou_csum_off(cfg) && !(params->flow->tunnel.flags & FLOW_TNL_F_CSUM)) {
        /* Up to 3.4, netdev_tnl_udp_build_header() asks for one over IPv6
         * whatever the flow says; from 3.5 it follows FLOW_TNL_F_CSUM
         * alone, and this changes nothing. */
        udp->udp_csum = htons(0);
    }

    if (cfg->fou_gue) {
        struct guehdr *gh = payload;

        gh->ver_c_hlen = 0;
        gh->proto_ctype = ipproto;
        gh->flags = htons(0);
        data->header_len += sizeof *gh;
    }
    data->tnl_type = OVS_VPORT_TYPE_FOU;
    return 0;
}

/* FOU carries the IP packet without its Ethernet header, so the datapath's
 * action executor leaves a pop_eth right before a FOU push to the push
 * (odp-execute.c): take that header off 'packet' here, in the same pass
 * over the batch as the push itself. */
static void
fou_push_pop_eth(struct dp_packet *packet)
{
    if (dp_packet_is_eth(packet) && !dp_packet_try_pop_eth(packet)) {
        pop_eth(packet);
    }
}

/* Pushes the header that netdev_fou_build_header() built onto 'packet',
 * after taking off its Ethernet header.  Open vSwitch 4.0 on passes the
 * ingress port to the push; one definition per signature. */
#ifdef FOU_HAVE_PUSH_INGRESS_NETDEV
void
netdev_fou_push_header(const struct netdev *netdev,
                       const struct netdev *ingress_netdev,
                       struct dp_packet *packet,
                       const struct ovs_action_push_tnl *data)
{
    fou_push_pop_eth(packet);
    netdev_tnl_push_udp_header(netdev, ingress_netdev, packet, data);
}
#else
void
netdev_fou_push_header(const struct netdev *netdev, struct dp_packet *packet,
                       const struct ovs_action_push_tnl *data)
{
    fou_push_pop_eth(packet);
    netdev_tnl_push_udp_header(netdev, packet, data);
}
#endif

/* Receive. */

/* Checks that the 'len' bytes at 'inner' are a packet of IP protocol
 * 'ipproto' (0: IPv4 or IPv6, by the version nibble) and stores its packet
 * type in '*packet_type'. */
static bool
fou_parse_inner__(uint8_t ipproto, const uint8_t *inner, size_t len,
                  ovs_be32 *packet_type)
{
    unsigned int version = len ? inner[0] >> 4 : 0;
    size_t min_len;

    if (!ipproto && (version == 4 || version == 6)) {
        ipproto = version == 4 ? IPPROTO_IPIP : IPPROTO_IPV6;
    }

    if (ipproto == IPPROTO_IPIP && version == 4) {
        *packet_type = htonl(PT_IPV4);
        min_len = MIN_INNER_IPV4;
    } else if (ipproto == IPPROTO_IPV6 && version == 6) {
        *packet_type = htonl(PT_IPV6);
        min_len = MIN_INNER_IPV6;
    } else if (ipproto == IPPROTO_MPLS && len) {
        *packet_type = htonl(PT_MPLS);
        min_len = MIN_INNER_MPLS;
    } else if (!len) {
        COVERAGE_INC(fou_drop_truncated);
        return false;
    } else {
        COVERAGE_INC(fou_drop_inner_proto);
        VLOG_DBG_RL(&rl, "dropping FOU packet: inner IP version %u does not "
                    "fit IP protocol %"PRIu8" (0: IPv4 or IPv6)",
                    version, ipproto);
        return false;
    }

    if (len < min_len) {
        COVERAGE_INC(fou_drop_truncated);
        return false;
    }
    return true;
}

/* fou_parse_inner__(), with the common case, IPv4 where IPv4 may be,
 * decided inline: this runs for every packet received. */
static inline bool ALWAYS_INLINE
fou_parse_inner(uint8_t ipproto, const uint8_t *inner, size_t len,
                ovs_be32 *packet_type)
{
    if (OVS_LIKELY(len >= MIN_INNER_IPV4 && inner[0] >> 4 == 4
                   && (ipproto == IPPROTO_IPIP || !ipproto))) {
        *packet_type = htonl(PT_IPV4);
        return true;
    }
    return fou_parse_inner__(ipproto, inner, len, packet_type);
}

/* Checks the flags of GUE header 'gh', followed by 'optlen' bytes of
 * extension fields, as Linux's validate_gue_flags() does.  Remote checksum
 * offload, the one private flag Linux knows, is refused: the inner checksum
 * would be left for us to finish. */
static bool
gue_flags_valid(const struct guehdr *gh, size_t optlen)
{
    uint16_t flags = ntohs(gh->flags);

    if (flags & ~GUE_F_PRIV) {
        return false;
    }
    if (flags & GUE_F_PRIV) {
        const ovs_16aligned_be32 *priv = (const void *) (gh + 1);

        if (optlen < GUE_PRIV_LEN || get_16aligned_be32(priv)) {
            return false;
        }
    }
    return true;
}

/* Parses the GUE header at the start of the 'len' bytes at 'p'.  Returns its
 * length, or -1 if the packet must be dropped. */
static int
gue_parse(const uint8_t *p, size_t len, ovs_be32 *packet_type)
{
    const struct guehdr *gh = ALIGNED_CAST(const struct guehdr *, p);
    size_t hlen;

    if (len < sizeof *gh) {
        COVERAGE_INC(fou_drop_truncated);
        return -1;
    }

    switch (GUE_VERSION(gh->ver_c_hlen)) {
    case 0:
        break;
    case 1:
        return fou_parse_inner(0, p, len, packet_type) ? 0 : -1;
    default:
        COVERAGE_INC(gue_drop_version);
        return -1;
    }

    if (gh->ver_c_hlen & GUE_C) {
        /* Linux hands these to gue_control_message(), which drops them. */
        COVERAGE_INC(gue_drop_control);
        return -1;
    }

    hlen = sizeof *gh + GUE_HLEN(gh->ver_c_hlen);
    if (hlen > len) {
        COVERAGE_INC(gue_drop_hlen);
        return -1;
    }
    if (!gue_flags_valid(gh, hlen - sizeof *gh)) {
        COVERAGE_INC(gue_drop_flags);
        return -1;
    }
    if (!gh->proto_ctype) {
        /* 0 would mean "by the IP version" to fou_parse_inner(). */
        COVERAGE_INC(fou_drop_inner_proto);
        return -1;
    }
    if (!fou_parse_inner(gh->proto_ctype, p + hlen, len - hlen,
                         packet_type)) {
        return -1;
    }
    return hlen;
}

struct dp_packet *
netdev_fou_pop_header(struct dp_packet *packet)
{
    struct pkt_metadata *md = &packet->md;
    struct flow_tnl *tnl = &md->tunnel;
    size_t udp_len = dp_packet_l4_size(packet);
    const struct udp_header *udp;
    ovs_be32 packet_type;
    unsigned int hlen;
    uint8_t *payload;
    uint8_t mode;
    int fou_hlen;

    pkt_metadata_init_tnl(md);
    if (udp_len < UDP_HEADER_LEN) {
        COVERAGE_INC(fou_drop_truncated);
        goto err;
    }

    /* The datagram must fill the IP packet, as Linux requires.  (A length
     * below UDP_HEADER_LEN cannot be equal.) */
    udp = dp_packet_l4(packet);
    if (ntohs(udp->udp_len) != udp_len) {
        COVERAGE_INC(fou_drop_udp_len);
        goto err;
    }

    /* Ethernet padding after the datagram would otherwise be summed into
     * the UDP checksum, and left at the end of the inner packet. */
    if (OVS_UNLIKELY(dp_packet_l2_pad_size(packet))) {
        dp_packet_set_size(packet, packet->l4_ofs + udp_len);
        dp_packet_set_l2_pad_size(packet, 0);
    }

    payload = netdev_tnl_udp_extract_tnl_md(packet, tnl, &hlen);
    if (!payload) {
        COVERAGE_INC(fou_drop_outer);
        goto err;
    }

    atomic_read_relaxed(&fou_rx_modes[ntohs(udp->udp_dst)], &mode);
    if (mode == FOU_RX_NONE) {
        /* The port's last Interface went away with packets in flight. */
        COVERAGE_INC(fou_drop_no_port);
        goto err;
    }

    if (mode == FOU_RX_GUE) {
        fou_hlen = gue_parse(payload, udp_len - UDP_HEADER_LEN,
                             &packet_type);
    } else {
        fou_hlen = fou_parse_inner(fou_rx_mode_ipproto(mode), payload,
                                   udp_len - UDP_HEADER_LEN, &packet_type)
                   ? 0 : -1;
    }
    if (fou_hlen < 0) {
        goto err;
    }

#ifdef FOU_HAVE_OL_SHIFT
    /* Back to the inner packet's offload flags, which the datapath keeps
     * shifted behind the outer packet's while it is encapsulated, as the
     * other tunnels' pops do (tnl_ol_pop()).  netdev_pop_header() resets
     * every offload flag right after the pop on each version that has the
     * shift, so only a caller of the pop_header callback itself could see
     * the outer UDP's flags without this. */
    packet->offloads >>= DP_PACKET_OL_SHIFT_COUNT;
#endif
    dp_packet_reset_packet(packet, hlen + UDP_HEADER_LEN + fou_hlen);
    packet->packet_type = packet_type;
    if (packet_type == htonl(PT_MPLS)) {
        packet->l2_5_ofs = 0;
    } else {
        packet->l3_ofs = 0;
    }
    return packet;

err:
    dp_packet_delete(packet);
    return NULL;
}

/* Datapath action text: the part of "tnl_push(... header(...))" that follows
 * "udp(...),", as "fou()" for direct FOU or "gue(...)" for GUE. */

void
netdev_fou_format_tnl_push(struct ds *ds, const void *udp_payload,
                           size_t len)
{
    const struct guehdr *gh = udp_payload;

    if (len < sizeof *gh) {
        ds_put_cstr(ds, "fou()");
        return;
    }
    ds_put_format(ds, "gue(ver=%d,c=%d,hlen=%d,proto=%"PRIu8",flags=0x%"
                  PRIx16")", GUE_VERSION(gh->ver_c_hlen),
                  !!(gh->ver_c_hlen & GUE_C), GUE_HLEN(gh->ver_c_hlen) / 4,
                  gh->proto_ctype, ntohs(gh->flags));
}

/* Parses what netdev_fou_format_tnl_push() writes for the headers that
 * netdev_fou_build_header() makes (GUE variant 0, no flags or extension
 * fields), and the parenthesis that closes "header(", into the UDP payload at
 * 'udp_payload', storing its length in '*len'.  Returns the number of
 * characters parsed, 0 if 's' is not such a header. */
int
netdev_fou_parse_tnl_push(const char *s, void *udp_payload, size_t *len)
{
    unsigned int ver, c, hlen, proto, flags;
    int n = 0;

    if (ovs_scan_len(s, &n, "fou())")) {
        *len = 0;
        return n;
    }
    if (ovs_scan_len(s, &n, "gue(ver=%u,c=%u,hlen=%u,proto=%u,flags=0x%x))",
                     &ver, &c, &hlen, &proto, &flags)
        && !ver && !c && !hlen && proto <= UINT8_MAX && !flags) {
        struct guehdr *gh = udp_payload;

        gh->ver_c_hlen = 0;
        gh->proto_ctype = proto;
        gh->flags = htons(0);
        *len = sizeof *gh;
        return n;
    }
    return 0;
}

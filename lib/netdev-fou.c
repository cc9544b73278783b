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

#include <config.h>

#include "netdev-fou.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>

#include "coverage.h"
#include "dp-packet.h"
#include "hash.h"
#include "netlink.h"
#include "netlink-socket.h"
#include "netdev-native-tnl.h"
#include "netdev-provider.h"
#include "netdev-vport.h"
#include "odp-netlink.h"
#include "ovs-fou-config.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-router.h"
#include "ovs-thread.h"
#include "packets.h"
#include "smap.h"
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

/* The inner protocols FOU and GUE carry, as IP protocol numbers (Linux's
 * 'ipproto', the GUE 'proto' field) and as Ethernet types (OpenFlow's
 * packet_type). */
static uint8_t
fou_ipproto_from_ethertype(ovs_be16 ethertype)
{
    switch (ntohs(ethertype)) {
    case ETH_TYPE_IP:
        return IPPROTO_IPIP;
    case ETH_TYPE_IPV6:
        return IPPROTO_IPV6;
    case ETH_TYPE_MPLS:
        return IPPROTO_MPLS;
    default:
        return 0;
    }
}

static ovs_be16
fou_ethertype_from_ipproto(uint8_t ipproto)
{
    switch (ipproto) {
    case IPPROTO_IPIP:
        return htons(ETH_TYPE_IP);
    case IPPROTO_IPV6:
        return htons(ETH_TYPE_IPV6);
    case IPPROTO_MPLS:
        return htons(ETH_TYPE_MPLS);
    default:
        return htons(0);
    }
}

/* Receive configuration, per UDP port.
 *
 * Linux configures FOU reception per UDP port ("ip fou add port 5555
 * ipproto 4"), and so does OVS in effect: every fou Interface with the same
 * dst_port shares one datapath port, fou_sys_<dst_port>, whose pop_header()
 * sees only the packet.  So the encapsulation and inner protocol expected on
 * each port are kept here.  Interfaces that share a port must agree on them,
 * or the second one is refused.
 *
 * The datapath threads read them from 'fou_rx_modes', one byte per UDP
 * port: 64 kB that make the lookup a single load, where a hash table cost
 * pop_header() a fifth of its instructions (utilities/ovs-fou-bench).  A
 * byte changes in one store, so the datapath never sees a port half
 * reconfigured, and needs no RCU. */
enum fou_rx_mode {
    FOU_RX_NONE,                /* No fou Interface receives here. */
    FOU_RX_GUE,                 /* GUE. */
    FOU_RX_AUTO,                /* Direct FOU, IPv4 or IPv6 by version. */
    FOU_RX_IPIP,                /* Direct FOU, ipproto=4. */
    FOU_RX_IPV6,                /* Direct FOU, ipproto=41. */
    FOU_RX_MPLS,                /* Direct FOU, ipproto=137. */
};

static atomic_uint8_t fou_rx_modes[UINT16_MAX + 1];

static enum fou_rx_mode
fou_rx_mode(bool gue, uint8_t ipproto)
{
    return (gue ? FOU_RX_GUE
            : ipproto == IPPROTO_IPIP ? FOU_RX_IPIP
            : ipproto == IPPROTO_IPV6 ? FOU_RX_IPV6
            : ipproto == IPPROTO_MPLS ? FOU_RX_MPLS
            : FOU_RX_AUTO);
}

/* The inner IP protocol of direct FOU 'mode', 0 for either IP version. */
static uint8_t
fou_rx_mode_ipproto(enum fou_rx_mode mode)
{
    return (mode == FOU_RX_IPIP ? IPPROTO_IPIP
            : mode == FOU_RX_IPV6 ? IPPROTO_IPV6
            : mode == FOU_RX_MPLS ? IPPROTO_MPLS
            : 0);
}

/* The configuration of one UDP port, and how many Interfaces use it. */
struct fou_rx_port {
    struct hmap_node node;      /* In 'fou_rx_ports', by hash of 'port'. */
    ovs_be16 port;              /* UDP destination port. */
    bool gue;                   /* GUE, otherwise direct FOU. */
    uint8_t ipproto;            /* Direct FOU: 4, 41, 137, or 0 for auto. */
    unsigned int n_users;       /* Interfaces using it. */
};

/* Which fou_rx_port a configured netdev uses. */
struct fou_rx_user {
    struct hmap_node node;      /* In 'fou_rx_users', by hash of 'netdev'. */
    const struct netdev *netdev;
    struct fou_rx_port *rx;
    bool local_ip_missing;      /* The host lacked local_ip at last look. */
};

static struct ovs_mutex fou_rx_mutex = OVS_MUTEX_INITIALIZER;
static struct hmap fou_rx_ports OVS_GUARDED_BY(fou_rx_mutex)
    = HMAP_INITIALIZER(&fou_rx_ports);
static struct hmap fou_rx_users OVS_GUARDED_BY(fou_rx_mutex)
    = HMAP_INITIALIZER(&fou_rx_users);

static uint32_t
fou_rx_port_hash(ovs_be16 port)
{
    return hash_int(ntohs(port), 0);
}

/* Publishes the configuration of 'rx' to the datapath threads. */
static void
fou_rx_port_publish(const struct fou_rx_port *rx)
    OVS_REQUIRES(fou_rx_mutex)
{
    atomic_store_relaxed(&fou_rx_modes[ntohs(rx->port)],
                         fou_rx_mode(rx->gue, rx->ipproto));
}

static struct fou_rx_port *
fou_rx_port_find(ovs_be16 port)
    OVS_REQUIRES(fou_rx_mutex)
{
    struct fou_rx_port *rx;

    HMAP_FOR_EACH_WITH_HASH (rx, node, fou_rx_port_hash(port),
                             &fou_rx_ports) {
        if (rx->port == port) {
            return rx;
        }
    }
    return NULL;
}

static struct fou_rx_user *
fou_rx_user_find(const struct netdev *netdev)
    OVS_REQUIRES(fou_rx_mutex)
{
    struct fou_rx_user *user;

    HMAP_FOR_EACH_WITH_HASH (user, node, hash_pointer(netdev, 0),
                             &fou_rx_users) {
        if (user->netdev == netdev) {
            return user;
        }
    }
    return NULL;
}

static void
fou_rx_user_release(struct fou_rx_user *user)
    OVS_REQUIRES(fou_rx_mutex)
{
    struct fou_rx_port *rx = user->rx;

    if (!--rx->n_users) {
        atomic_store_relaxed(&fou_rx_modes[ntohs(rx->port)], FOU_RX_NONE);
        hmap_remove(&fou_rx_ports, &rx->node);
        free(rx);
    }
    hmap_remove(&fou_rx_users, &user->node);
    free(user);
}

static void
fou_rx_describe(struct ds *ds, bool gue, uint8_t ipproto)
{
    if (gue) {
        ds_put_cstr(ds, "encap=gue");
    } else if (ipproto) {
        ds_put_format(ds, "encap=fou ipproto=%"PRIu8, ipproto);
    } else {
        ds_put_cstr(ds, "encap=fou ipproto=auto");
    }
}

/* Makes 'netdev' a user of the receive configuration in 'cfg', releasing
 * whatever it used before.  Fails, changing nothing, if another Interface
 * already receives on the same UDP port with a different configuration. */
static int
fou_rx_claim(const struct netdev *netdev,
             const struct netdev_tunnel_config *cfg, struct ds *errors)
    OVS_EXCLUDED(fou_rx_mutex)
{
    bool gue = cfg->fou_gue;
    uint8_t ipproto = cfg->fou_ipproto;
    struct fou_rx_port *rx;
    struct fou_rx_user *user;
    int error = 0;

    ovs_mutex_lock(&fou_rx_mutex);
    user = fou_rx_user_find(netdev);
    rx = fou_rx_port_find(cfg->dst_port);
    if (rx && (rx->gue != gue || rx->ipproto != ipproto)
        && rx->n_users > (user && user->rx == rx ? 1 : 0)) {
        ds_put_format(errors, "%s: UDP port %"PRIu16" already receives ",
                      netdev_get_name(netdev), ntohs(cfg->dst_port));
        fou_rx_describe(errors, rx->gue, rx->ipproto);
        ds_put_cstr(errors, " for another fou Interface, but this one asks "
                    "for ");
        fou_rx_describe(errors, gue, ipproto);
        ds_put_cstr(errors, "; fou Interfaces that share a dst_port must "
                    "use the same encap and ipproto\n");
        error = EEXIST;
        goto out;
    }

    if (user && user->rx == rx) {
        /* Its own port: only what the port receives may change, and that
         * in one store. */
        rx->gue = gue;
        rx->ipproto = ipproto;
        fou_rx_port_publish(rx);
        goto out;
    }
    if (user) {
        fou_rx_user_release(user);
        rx = fou_rx_port_find(cfg->dst_port);
    }
    if (!rx) {
        rx = xzalloc(sizeof *rx);
        rx->port = cfg->dst_port;
        rx->gue = gue;
        rx->ipproto = ipproto;
        hmap_insert(&fou_rx_ports, &rx->node, fou_rx_port_hash(rx->port));
        fou_rx_port_publish(rx);
    }
    rx->n_users++;

    user = xzalloc(sizeof *user);
    user->netdev = netdev;
    user->rx = rx;
    hmap_insert(&fou_rx_users, &user->node, hash_pointer(netdev, 0));

out:
    ovs_mutex_unlock(&fou_rx_mutex);
    return error;
}

void
netdev_fou_destruct(const struct netdev *netdev)
    OVS_EXCLUDED(fou_rx_mutex)
{
    struct fou_rx_user *user;

    ovs_mutex_lock(&fou_rx_mutex);
    user = fou_rx_user_find(netdev);
    if (user) {
        fou_rx_user_release(user);
    }
    ovs_mutex_unlock(&fou_rx_mutex);
}

/* Tunnel types other than FOU that receive UDP on their dst_port. */
static const char *const fou_other_udp_tunnels[] = {
    "vxlan", "geneve", "gtpu", "bareudp", "lisp",
};

static bool
fou_is_other_udp_tunnel(const char *type)
{
    for (size_t i = 0; i < ARRAY_SIZE(fou_other_udp_tunnels); i++) {
        if (!strcmp(type, fou_other_udp_tunnels[i])) {
            return true;
        }
    }
    return false;
}

/* Returns true, with a sentence in 'errors', if an Interface of another UDP
 * tunnel type already receives on UDP port 'port': the datapath would hand
 * the packets to one of the two. */
static bool
fou_udp_port_taken(const struct netdev *netdev, ovs_be16 port,
                   struct ds *errors)
{
    struct netdev **vports;
    bool taken = false;
    size_t n;

    vports = netdev_get_vports(&n);
    for (size_t i = 0; i < n; i++) {
        struct netdev *other = vports[i];
        const char *type = netdev_get_type(other);
        char namebuf[NETDEV_VPORT_NAME_BUFSIZE];

        /* The datapath's own port, "vxlan_sys_4789", is not a user's. */
        if (!taken && fou_is_other_udp_tunnel(type)
            && strcmp(netdev_get_name(other),
                      netdev_vport_get_dpif_port(other, namebuf,
                                                 sizeof namebuf))
            && netdev_get_tunnel_config(other)->dst_port == port) {
            ds_put_format(errors, "%s: UDP port %"PRIu16" already receives "
                          "%s for Interface %s; choose another dst_port\n",
                          netdev_get_name(netdev), ntohs(port), type,
                          netdev_get_name(other));
            taken = true;
        }
        netdev_close(other);
    }
    free(vports);
    return taken;
}

/* Returns true, with a sentence in 'errors', if a fou Interface receives
 * on UDP port 'port', which Interface 'name' of UDP tunnel type 'type' wants
 * too. */
bool
netdev_fou_udp_port_taken(const char *name, const char *type, ovs_be16 port,
                          struct ds *errors)
    OVS_EXCLUDED(fou_rx_mutex)
{
    const struct fou_rx_user *user;
    bool taken = false;

    ovs_mutex_lock(&fou_rx_mutex);
    HMAP_FOR_EACH (user, node, &fou_rx_users) {
        if (user->rx->port == port) {
            ds_put_format(errors, "%s: UDP port %"PRIu16" already receives "
                          "fou for Interface %s; choose another dst_port "
                          "for this %s Interface\n", name, ntohs(port),
                          netdev_get_name(user->netdev), type);
            taken = true;
            break;
        }
    }
    ovs_mutex_unlock(&fou_rx_mutex);
    return taken;
}

/* Configuration. */

/* Options that other tunnel types take but FOU cannot honour, and why.
 * Accepting them silently would let a user believe, say, that a key
 * separates two tunnels. */
#define FOU_NO_KEY "FOU has no key field; tunnels are told apart by " \
    "remote_ip, local_ip and dst_port"

static const struct {
    const char *key;
    const char *why;
} fou_refused_options[] = {
    { "key", FOU_NO_KEY },
    { "in_key", FOU_NO_KEY },
    { "out_key", FOU_NO_KEY },
    { "exts", "FOU has no extensions; use encap=gue for Generic UDP "
      "Encapsulation" },
    { "seq", "FOU has no sequence numbers" },
    { "payload_type", "that is a bareudp option; FOU takes the inner "
      "protocol from the packet, and ipproto sets what it receives" },
    { "erspan_ver", "that is an ERSPAN option" },
    { "erspan_idx", "that is an ERSPAN option" },
    { "erspan_dir", "that is an ERSPAN option" },
    { "erspan_hwid", "that is an ERSPAN option" },
};

/* Options parsed here rather than by the common tunnel code. */
static const char *const fou_own_options[] = { "encap", "ipproto", "csum" };

bool
netdev_fou_is_option(const char *key)
{
    for (size_t i = 0; i < ARRAY_SIZE(fou_own_options); i++) {
        if (!strcmp(key, fou_own_options[i])) {
            return true;
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(fou_refused_options); i++) {
        if (!strcmp(key, fou_refused_options[i].key)) {
            return true;
        }
    }
    return false;
}

/* The csum option.  FOU, like the other UDP tunnels, checksums over IPv4
 * only with csum=true and over IPv6 unless csum=false (RFC 6935, RFC 6936),
 * so an explicit csum=false must be told from no option.  OVS 3.4 and
 * later keep 'csum' as an enum that does, and tunnel.c follows it; before,
 * 'csum' is a bool, and FOU keeps its own flag beside it.  FOU parses the
 * option itself either way, so that a value other than true or false is
 * an error rather than ignored. */
#ifdef FOU_HAVE_TNL_CSUM_ENUM
static void
fou_set_csum(struct netdev_tunnel_config *cfg, bool csum)
{
    cfg->csum = csum ? NETDEV_TNL_CSUM_ENABLED : NETDEV_TNL_CSUM_DISABLED;
}

static bool
fou_csum_off(const struct netdev_tunnel_config *cfg)
{
    return cfg->csum == NETDEV_TNL_CSUM_DISABLED;
}

static void
fou_put_csum_config(const struct netdev_tunnel_config *cfg OVS_UNUSED,
                    struct smap *args OVS_UNUSED)
{
    /* The common code shows csum=true and csum=false from the enum. */
}
#else
static void
fou_set_csum(struct netdev_tunnel_config *cfg, bool csum)
{
    cfg->csum = csum;
    cfg->fou_csum_off = !csum;
}

static bool
fou_csum_off(const struct netdev_tunnel_config *cfg)
{
    return cfg->fou_csum_off;
}

static void
fou_put_csum_config(const struct netdev_tunnel_config *cfg,
                    struct smap *args)
{
    /* The common code shows only csum=true. */
    if (cfg->fou_csum_off) {
        smap_add(args, "csum", "false");
    }
}
#endif

static bool
fou_parse_ipproto(const char *s, uint8_t *ipprotop)
{
    unsigned int ipproto;

    if (!strcmp(s, "auto")) {
        *ipprotop = 0;
        return true;
    }
    if (!str_to_uint(s, 10, &ipproto) || ipproto > UINT8_MAX
        || !fou_ethertype_from_ipproto(ipproto)) {
        return false;
    }
    *ipprotop = ipproto;
    return true;
}

/* Parses the options of a "fou" Interface that the common tunnel code in
 * netdev-vport.c does not, refuses those that make no sense for FOU, and
 * claims the receive side of the UDP port.  Called after the common options
 * have been parsed into 'cfg' and checked; on success 'cfg' is what the
 * Interface will use.  Errors go to 'errors', a sentence each. */
int
netdev_fou_set_config(const struct netdev *netdev, const struct smap *args,
                      struct netdev_tunnel_config *cfg, struct ds *errors)
{
    const char *name = netdev_get_name(netdev);
    const char *encap = smap_get_def(args, "encap", "fou");
    const char *ipproto = smap_get(args, "ipproto");
    const char *csum = smap_get(args, "csum");
    const char *dst_port = smap_get(args, "dst_port");
    int error = 0;

    for (size_t i = 0; i < ARRAY_SIZE(fou_refused_options); i++) {
        if (smap_get(args, fou_refused_options[i].key)) {
            ds_put_format(errors, "%s: fou tunnels do not support option "
                          "'%s': %s\n", name, fou_refused_options[i].key,
                          fou_refused_options[i].why);
            error = EINVAL;
        }
    }

    if (!strcmp(encap, "gue")) {
        cfg->fou_gue = true;
    } else if (strcmp(encap, "fou")) {
        ds_put_format(errors, "%s: invalid encap '%s'; use 'fou' (the UDP "
                      "payload is the inner packet) or 'gue' (Generic UDP "
                      "Encapsulation)\n", name, encap);
        error = EINVAL;
    }

    cfg->fou_ipproto = 0;
    if (ipproto && cfg->fou_gue) {
        ds_put_format(errors, "%s: ipproto applies only to encap=fou; GUE "
                      "carries the inner protocol in its own header\n", name);
        error = EINVAL;
    } else if (ipproto && !fou_parse_ipproto(ipproto, &cfg->fou_ipproto)) {
        ds_put_format(errors, "%s: invalid ipproto '%s'; use 4 (IPv4), "
                      "41 (IPv6), 137 (MPLS) or auto (IPv4 or IPv6 by the "
                      "IP version)\n", name, ipproto);
        error = EINVAL;
    }

    if (csum && !strcmp(csum, "true")) {
        fou_set_csum(cfg, true);
    } else if (csum && !strcmp(csum, "false")) {
        /* Over IPv6 a zero UDP checksum needs the user's explicit consent
         * (RFC 6935, RFC 6936); without it, IPv6 is always checksummed. */
        fou_set_csum(cfg, false);
    } else if (csum) {
        ds_put_format(errors, "%s: invalid csum '%s'; use true or false\n",
                      name, csum);
        error = EINVAL;
    }

    if (dst_port) {
        unsigned int port;

        if (!str_to_uint(dst_port, 10, &port) || !port || port > 65535) {
            ds_put_format(errors, "%s: invalid dst_port '%s'; use a UDP port "
                          "number from 1 to 65535\n", name, dst_port);
            error = EINVAL;
        }
    }

    if (!error && fou_udp_port_taken(netdev, cfg->dst_port, errors)) {
        error = EEXIST;
    }
    return error ? error : fou_rx_claim(netdev, cfg, errors);
}

/* Whether 'netdev', if it is a fou port, checksums what it sends over IPv6:
 * always, unless csum=false was given (RFC 6935, RFC 6936).  The kernel
 * datapath's device checksums what the flow's tunnel flags say, so they
 * must say it, for both datapaths to send the same. */
bool
netdev_fou_csum_ipv6(const struct netdev *netdev)
{
    return (!strcmp(netdev_get_type(netdev), "fou")
            && !fou_csum_off(netdev_get_tunnel_config(netdev)));
}

void
netdev_fou_get_config(const struct netdev_tunnel_config *cfg,
                      struct smap *args)
{
    if (cfg->fou_gue) {
        smap_add(args, "encap", "gue");
    }
    if (cfg->fou_ipproto) {
        smap_add_format(args, "ipproto", "%"PRIu8, cfg->fou_ipproto);
    }
    fou_put_csum_config(cfg, args);
}

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
        /* netdev_tnl_udp_build_header() asks for one over IPv6 regardless. */
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

/* Receive. */

/* Checks that the 'len' bytes at 'inner' are a packet of IP protocol
 * 'ipproto' (0: IPv4 or IPv6, by the version nibble) and stores its packet
 * type in '*packet_type'. */
static bool
fou_parse_inner(uint8_t ipproto, const uint8_t *inner, size_t len,
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
    const struct udp_header *udp;
    ovs_be32 packet_type;
    size_t udp_len;
    unsigned int hlen;
    uint8_t *payload;
    uint8_t mode;
    int fou_hlen;

    pkt_metadata_init_tnl(md);
    if (dp_packet_l4_size(packet) < UDP_HEADER_LEN) {
        COVERAGE_INC(fou_drop_truncated);
        goto err;
    }

    udp = dp_packet_l4(packet);
    udp_len = ntohs(udp->udp_len);
    if (udp_len < UDP_HEADER_LEN || udp_len != dp_packet_l4_size(packet)) {
        COVERAGE_INC(fou_drop_udp_len);
        goto err;
    }

    /* Ethernet padding after the datagram would otherwise be summed into
     * the UDP checksum, and left at the end of the inner packet. */
    dp_packet_set_size(packet, packet->l4_ofs + udp_len);
    dp_packet_set_l2_pad_size(packet, 0);

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

/* The kernel datapath's device. */

/* Puts the IFLA_INFO_DATA attributes of a "fou" device for 'cfg'. */
void
netdev_fou_put_rtnl_attrs(const struct netdev_tunnel_config *cfg,
                          struct ofpbuf *msg)
{
    nl_msg_put_be16(msg, FOU_RTNL_PORT, cfg->dst_port);
    nl_msg_put_u8(msg, FOU_RTNL_ENCAP, cfg->fou_gue);
    nl_msg_put_u8(msg, FOU_RTNL_IPPROTO, cfg->fou_ipproto);
}

/* Returns true if the IFLA_INFO_DATA of an existing "fou" device says what
 * netdev_fou_put_rtnl_attrs() would for 'cfg'. */
bool
netdev_fou_rtnl_attrs_match(const struct netdev_tunnel_config *cfg,
                            const struct nlattr *info_data)
{
    static const struct nl_policy policy[] = {
        [FOU_RTNL_PORT] = { .type = NL_A_U16 },
        [FOU_RTNL_ENCAP] = { .type = NL_A_U8 },
        [FOU_RTNL_IPPROTO] = { .type = NL_A_U8 },
    };
    struct nlattr *a[ARRAY_SIZE(policy)];

    return (info_data
            && nl_parse_nested(info_data, policy, a, ARRAY_SIZE(policy))
            && nl_attr_get_be16(a[FOU_RTNL_PORT]) == cfg->dst_port
            && nl_attr_get_u8(a[FOU_RTNL_ENCAP]) == cfg->fou_gue
            && nl_attr_get_u8(a[FOU_RTNL_IPPROTO]) == cfg->fou_ipproto);
}

/* Returns the name of the "fou" device in this network namespace that
 * receives on UDP port 'port', which the caller must free, or NULL. */
static char *
fou_device_on_port(ovs_be16 port)
{
    static const struct nl_policy rtlink_policy[] = {
        [IFLA_IFNAME] = { .type = NL_A_STRING },
        [IFLA_LINKINFO] = { .type = NL_A_NESTED, .optional = true },
    };
    static const struct nl_policy linkinfo_policy[] = {
        [IFLA_INFO_KIND] = { .type = NL_A_STRING },
        [IFLA_INFO_DATA] = { .type = NL_A_NESTED, .optional = true },
    };
    static const struct nl_policy fou_policy[] = {
        [FOU_RTNL_PORT] = { .type = NL_A_U16 },
    };
    uint64_t reply_stub[NL_DUMP_BUFSIZE / 8];
    struct ofpbuf request, reply, buf;
    struct nl_dump dump;
    char *name = NULL;

    ofpbuf_init(&request, 0);
    nl_msg_put_nlmsghdr(&request, sizeof(struct ifinfomsg), RTM_GETLINK,
                        NLM_F_REQUEST | NLM_F_DUMP);
    ofpbuf_put_zeros(&request, sizeof(struct ifinfomsg));
    nl_dump_start(&dump, NETLINK_ROUTE, &request);
    ofpbuf_uninit(&request);

    ofpbuf_use_stub(&buf, reply_stub, sizeof reply_stub);
    while (!name && nl_dump_next(&dump, &reply, &buf)) {
        struct nlattr *rtlink[ARRAY_SIZE(rtlink_policy)];
        struct nlattr *info[ARRAY_SIZE(linkinfo_policy)];
        struct nlattr *fou[ARRAY_SIZE(fou_policy)];

        if (nl_policy_parse(&reply, NLMSG_HDRLEN + sizeof(struct ifinfomsg),
                            rtlink_policy, rtlink, ARRAY_SIZE(rtlink_policy))
            && rtlink[IFLA_LINKINFO]
            && nl_parse_nested(rtlink[IFLA_LINKINFO], linkinfo_policy,
                               info, ARRAY_SIZE(linkinfo_policy))
            && !strcmp(nl_attr_get_string(info[IFLA_INFO_KIND]), "fou")
            && info[IFLA_INFO_DATA]
            && nl_parse_nested(info[IFLA_INFO_DATA], fou_policy,
                               fou, ARRAY_SIZE(fou_policy))
            && nl_attr_get_be16(fou[FOU_RTNL_PORT]) == port) {
            name = xstrdup(nl_attr_get_string(rtlink[IFLA_IFNAME]));
        }
    }
    nl_dump_done(&dump);
    ofpbuf_uninit(&buf);
    return name;
}

/* Explains EBUSY from creating the fou device for UDP port 'port': another
 * fou device, which OVS did not make, already receives there. */
static char *
fou_explain_port_busy(ovs_be16 port)
{
    char *holder = fou_device_on_port(port);
    char *hint;

    if (!holder) {
        return NULL;
    }
    hint = xasprintf("UDP port %"PRIu16" already belongs to fou device %s, "
                     "which OVS did not make (ovs-fouctl makes such "
                     "devices); delete it (ovs-fouctl del %s) or choose "
                     "another dst_port", ntohs(port), holder, holder);
    free(holder);
    return hint;
}

/* Returns a sentence that tells a user what to do about 'error' from adding
 * 'netdev' to a datapath of type 'datapath_type', or NULL if there is nothing
 * FOU-specific to say.  The caller must free the sentence.
 *
 * On the kernel datapath, ENODEV means that the kernel has no "fou" device
 * type (dpif-netlink-rtnl found the vport_fou module missing), and
 * EADDRINUSE that the fou device could not bind its UDP port, which some
 * other socket holds: a program, the kernel's own FOU ("ip fou add") or
 * another kind of UDP tunnel.  The userspace datapath binds no socket. */
char *
netdev_fou_explain_add_error(const struct netdev *netdev,
                             const char *datapath_type, int error)
{
    if (strcmp(netdev_get_type(netdev), "fou")
        || !datapath_type || strcmp(datapath_type, "system")) {
        return NULL;
    }
    if (error == ENODEV) {
        return xstrdup("the kernel datapath needs the " FOU_KERNEL_MODULE
                       " module for fou ports (modprobe "
                       FOU_KERNEL_MODULE ")");
    }
    if (error == EBUSY) {
        return fou_explain_port_busy(
            netdev_get_tunnel_config(netdev)->dst_port);
    }
    if (error == EADDRINUSE) {
        uint16_t port = ntohs(netdev_get_tunnel_config(netdev)->dst_port);

        return xasprintf("UDP port %"PRIu16" is already held by another "
                         "socket on this host (a program: see \"ss -uanp "
                         "sport = :%"PRIu16"\"; or the kernel's own FOU: see "
                         "\"ip fou show\"); free it or choose another "
                         "dst_port", port, port);
    }
    return NULL;
}

/* Whether the host has 'addr', on the interface that OVS's routing table
 * says holds it (a local route, which the kernel adds with the address),
 * from OVS's cached routes and addresses: no system call, since this runs
 * for every fou port with a fixed local_ip at every route change.  A
 * failure to read the addresses gives the host the benefit of the doubt:
 * this only serves to explain a misconfiguration. */
static bool
fou_host_has_address(const struct in6_addr *addr)
{
    struct in6_addr src = in6addr_any, gw, *addrs, *masks;
    char dev[IFNAMSIZ];
    bool has = false;
    int n;

    if (!ovs_router_lookup(0, addr, dev, &src, &gw)) {
        return false;
    }
    if (netdev_get_addrs(dev, &addrs, &masks, &n)) {
        return true;
    }
    for (int i = 0; i < n && !has; i++) {
        has = ipv6_addr_equals(&addrs[i], addr);
    }
    free(addrs);
    free(masks);
    return has;
}

/* Records whether the host lacks 'netdev''s local_ip, as its status last
 * reported; returns true if that changed. */
static bool
fou_record_local_ip(const struct netdev *netdev, bool missing)
    OVS_EXCLUDED(fou_rx_mutex)
{
    struct fou_rx_user *user;
    bool changed = false;

    ovs_mutex_lock(&fou_rx_mutex);
    user = fou_rx_user_find(netdev);
    if (user && user->local_ip_missing != missing) {
        user->local_ip_missing = missing;
        changed = true;
    }
    ovs_mutex_unlock(&fou_rx_mutex);
    return changed;
}

/* Called when routes change, as adding or removing an address changes
 * them: whether the host's having the fixed local_ip in 'cfg' of 'netdev',
 * a fou port, changed since its status last said, so that only such ports
 * have their status refreshed. */
bool
netdev_fou_local_ip_changed(const struct netdev *netdev,
                            const struct netdev_tunnel_config *cfg)
{
    return fou_record_local_ip(netdev,
                               !fou_host_has_address(&cfg->ipv6_src));
}

/* Returns a sentence, which the caller must free, if 'netdev' is a fou port
 * on a datapath of type 'datapath_type' whose fixed local_ip is not an
 * address of this host, or NULL.  The kernel and userspace datapaths both
 * need the address on the host (on the userspace datapath, on the OVS
 * bridge that carries the underlay, which is a host interface too); the
 * dummy datapath of the unit tests has no host to ask.  Without the address
 * the kernel cannot send from it, and the userspace datapath sends packets
 * that no reply can find; but the port stays, because the address may come
 * later, as it often does after OVS starts. */
char *
netdev_fou_check_local_ip(const struct netdev *netdev,
                          const char *datapath_type)
{
    const struct netdev_tunnel_config *cfg;
    char addr[INET6_ADDRSTRLEN];
    bool missing;

    if (strcmp(netdev_get_type(netdev), "fou") || !datapath_type
        || (strcmp(datapath_type, "system")
            && strcmp(datapath_type, "netdev"))) {
        return NULL;
    }
    cfg = netdev_get_tunnel_config(netdev);
    if (cfg->ip_src_flow || !ipv6_addr_is_set(&cfg->ipv6_src)) {
        return NULL;
    }
    missing = !fou_host_has_address(&cfg->ipv6_src);
    fou_record_local_ip(netdev, missing);
    if (!missing) {
        return NULL;
    }
    ipv6_string_mapped(addr, &cfg->ipv6_src);
    return xasprintf("%s: local_ip %s is not an address of this host, so "
                     "the tunnel cannot work; add the address to an "
                     "interface (on the userspace datapath, to the OVS "
                     "bridge that carries the underlay) or correct "
                     "local_ip", netdev_get_name(netdev), addr);
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

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

/* The configuration of "fou" Interfaces: their options, the receive
 * configuration of each UDP port that the pop reads, the UDP ports that
 * other tunnel types must not share, and whether the host has a fixed
 * local_ip, which the Interface's status reports. */

#include <config.h>

#include "netdev-fou.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>

#include "hash.h"
#include "netdev-fou-private.h"
#include "netdev-provider.h"
#include "netdev-vport.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "ovs-atomic.h"
#include "ovs-router.h"
#include "ovs-thread.h"
#include "packets.h"
#include "smap.h"
#include "util.h"

/* The receive configuration of each UDP port, for the pop: see
 * netdev-fou-private.h. */
atomic_uint8_t fou_rx_modes[UINT16_MAX + 1];

/* The receive mode of a port configured with 'gue' and 'ipproto'. */
static enum fou_rx_mode
fou_rx_mode(bool gue, uint8_t ipproto)
{
    return (gue ? FOU_RX_GUE
            : ipproto == IPPROTO_IPIP ? FOU_RX_IPIP
            : ipproto == IPPROTO_IPV6 ? FOU_RX_IPV6
            : ipproto == IPPROTO_MPLS ? FOU_RX_MPLS
            : FOU_RX_AUTO);
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
 * tunnel type already receives on UDP port 'port', which fou Interface
 * 'netdev' wants: the datapath would hand the packets to one of the two.
 * netdev_fou_holds_udp_port() looks the other way. */
static bool
other_tunnel_holds_udp_port(const struct netdev *netdev, ovs_be16 port,
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
 * on UDP port 'port', which Interface 'name' of another UDP tunnel type,
 * 'type', wants too.  other_tunnel_holds_udp_port() looks the other way. */
bool
netdev_fou_holds_udp_port(const char *name, const char *type, ovs_be16 port,
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

    if (!error
        && other_tunnel_holds_udp_port(netdev, cfg->dst_port, errors)) {
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

/* The local_ip status. */

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

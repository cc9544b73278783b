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

#ifndef NETDEV_FOU_H
#define NETDEV_FOU_H 1

/* Foo-over-UDP (FOU) and Generic UDP Encapsulation (GUE) tunnels for the
 * userspace datapath.
 *
 * FOU carries an IP (or MPLS) packet directly as the payload of UDP:
 *
 *     outer IP | UDP | inner packet
 *
 * GUE (draft-ietf-intarea-gue) adds a 4-byte header whose 'proto' field names
 * the inner protocol.  Both are what Linux's net/ipv4/fou_core.c sends and
 * receives, so an Interface of type "fou" interoperates with
 * "ip fou add port N ipproto P" and "ip link add ... encap fou|gue".
 *
 * The rest of OVS reaches FOU through the short hooks declared here, each
 * beside the OVS layer that calls it: the wire format, push and pop in
 * netdev-fou.c, the options and per-port receive configuration in
 * netdev-fou-config.c, the kernel datapath's device in netdev-fou-kernel.c;
 * what those share, in netdev-fou-private.h. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"
#include "ovs-fou-config.h"

struct dp_packet;
struct ds;
struct netdev;
struct netdev_tnl_build_header_params;
struct netdev_tunnel_config;
struct ovs_action_push_tnl;
struct smap;

/* There is no IANA port for FOU; 5555 is the port of the Linux examples. */
#define FOU_DST_PORT 5555

/* The kernel datapath's FOU device, link kind "fou": its netlink attributes
 * inside IFLA_INFO_DATA, IFLA_FOU_* in vport-fou/fou_dev.h, with the same
 * numbers under names of OVS's own. */
enum {
    FOU_RTNL_UNSPEC,
    FOU_RTNL_PORT,              /* be16: UDP port to receive on. */
    FOU_RTNL_ENCAP,             /* u8: 0 direct FOU, 1 GUE. */
    FOU_RTNL_IPPROTO,           /* u8: 4, 41, 137, or 0 for by version. */
};

/* The kernel module that provides the "fou" link kind. */
#define FOU_KERNEL_MODULE "fou_dev"

/* Configuration (lib/netdev-vport.c). */
bool netdev_fou_is_option(const char *key);
int netdev_fou_set_config(const struct netdev *, const struct smap *args,
                          struct netdev_tunnel_config *, struct ds *errors);
void netdev_fou_get_config(const struct netdev_tunnel_config *,
                           struct smap *args);
void netdev_fou_destruct(const struct netdev *);
bool netdev_fou_csum_ipv6(const struct netdev *);
bool netdev_fou_holds_udp_port(const char *name, const char *type,
                               ovs_be16 port, struct ds *errors);

/* Tunnel push and pop (the netdev class in lib/netdev-vport.c). */
int netdev_fou_build_header(const struct netdev *,
                            const struct netdev_tunnel_config *,
                            struct ovs_action_push_tnl *,
                            const struct netdev_tnl_build_header_params *);
#ifdef FOU_HAVE_PUSH_INGRESS_NETDEV
void netdev_fou_push_header(const struct netdev *,
                            const struct netdev *ingress_netdev,
                            struct dp_packet *,
                            const struct ovs_action_push_tnl *);
#else
void netdev_fou_push_header(const struct netdev *, struct dp_packet *,
                            const struct ovs_action_push_tnl *);
#endif
struct dp_packet *netdev_fou_pop_header(struct dp_packet *);

/* The kernel datapath's device (lib/dpif-netlink-rtnl.c). */
struct ofpbuf;
struct nlattr;
void netdev_fou_put_rtnl_attrs(const struct netdev_tunnel_config *,
                               struct ofpbuf *);
bool netdev_fou_rtnl_attrs_match(const struct netdev_tunnel_config *,
                                 const struct nlattr *info_data);

/* Adding a port (vswitchd/bridge.c): what to do about 'error', as a
 * sentence that the caller frees. */
char *netdev_fou_explain_add_error(const struct netdev *,
                                   const char *datapath_type, int error);

/* A port's status (ofproto/ofproto-dpif.c): a sentence, which the caller
 * frees, if its local_ip is not an address of this host; and, when routes
 * change (lib/netdev-vport.c), whether that may have changed. */
char *netdev_fou_check_local_ip(const struct netdev *,
                                const char *datapath_type);
bool netdev_fou_local_ip_changed(const struct netdev *,
                                 const struct netdev_tunnel_config *);

/* Datapath action text (lib/odp-util.c). */
void netdev_fou_format_tnl_push(struct ds *, const void *udp_payload,
                                size_t len);
int netdev_fou_parse_tnl_push(const char *s, void *udp_payload,
                              size_t *len);

#endif /* netdev-fou.h */

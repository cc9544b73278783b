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

#ifndef NETDEV_FOU_PRIVATE_H
#define NETDEV_FOU_PRIVATE_H 1

/* What the files of FOU's userspace implementation share among
 * themselves: lib/netdev-fou.c (the wire format, push and pop),
 * lib/netdev-fou-config.c (options and the per-port receive
 * configuration) and lib/netdev-fou-kernel.c (the kernel datapath's
 * device).  The rest of OVS uses netdev-fou.h. */

#include <stdbool.h>
#include <stdint.h>

#include "netdev.h"
#include "openvswitch/types.h"
#include "ovs-atomic.h"
#include "ovs-fou-config.h"
#include "packets.h"

/* The inner protocols FOU and GUE carry, as IP protocol numbers (Linux's
 * 'ipproto', the GUE 'proto' field) and as Ethernet types (OpenFlow's
 * packet_type). */
static inline uint8_t
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

static inline ovs_be16
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

extern atomic_uint8_t fou_rx_modes[UINT16_MAX + 1];

/* The inner IP protocol of direct FOU 'mode', 0 for either IP version. */
static inline uint8_t
fou_rx_mode_ipproto(enum fou_rx_mode mode)
{
    return (mode == FOU_RX_IPIP ? IPPROTO_IPIP
            : mode == FOU_RX_IPV6 ? IPPROTO_IPV6
            : mode == FOU_RX_MPLS ? IPPROTO_MPLS
            : 0);
}

/* Whether csum=false was given: no UDP checksum even over IPv6.  How
 * lib/netdev-fou-config.c writes the option into the configuration
 * depends on the OVS version: see fou_set_csum() there. */
static inline bool
fou_csum_off(const struct netdev_tunnel_config *cfg)
{
#ifdef FOU_HAVE_TNL_CSUM_ENUM
    return cfg->csum == NETDEV_TNL_CSUM_DISABLED;
#else
    return cfg->fou_csum_off;
#endif
}

#endif /* netdev-fou-private.h */

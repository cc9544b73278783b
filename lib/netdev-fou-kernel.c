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

/* The kernel datapath's "fou" device, from the userspace side: the
 * netlink attributes dpif-netlink-rtnl creates it with and compares an
 * existing one against, and what bridge.c says when adding one fails. */

#include <config.h>

#include "netdev-fou.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include "netdev.h"
#include "netlink.h"
#include "netlink-socket.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "util.h"

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
 * type (dpif-netlink-rtnl found the fou_dev module missing), and
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

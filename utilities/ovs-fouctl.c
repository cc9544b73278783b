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

/* ovs-fouctl: creates, shows and deletes the "fou" network devices of the
 * fou_dev module, and shows the kernel's own FOU ports ("ip fou") beside
 * them.  iproute2 does not know the "fou" link kind's attributes, and
 * libnl-route has no public API for a kind it does not know, so the
 * rtnetlink messages are built here with libnl's core; the kernel's FOU
 * ports come from its "fou" generic netlink family, through libnl-genl. */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/fou.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "../vport-fou/fou_dev.h"

static const char *program_name = "ovs-fouctl";

struct fou_dev_attrs {
    unsigned int port;          /* Host byte order. */
    unsigned int encap;         /* FOU_DEV_ENCAP_*. */
    unsigned int ipproto;       /* 0, 4, 41 or 137. */
};

static void
usage(void)
{
    printf("%s: FOU and GUE devices of the fou_dev kernel module\n"
           "usage: %s COMMAND [ARG...]\n"
           "  add NAME [port PORT] [encap fou|gue] [ipproto 4|41|137|auto]\n"
           "                   create device NAME (defaults: port 5555,\n"
           "                   encap fou, ipproto auto)\n"
           "  del NAME         delete device NAME\n"
           "  show [NAME]      show the fou devices (or NAME), and the\n"
           "                   kernel's own FOU ports (\"ip fou\")\n"
           "  -h, --help       show this help and exit\n",
           program_name, program_name);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
fatal(const char *format, ...)
{
    va_list args;

    fprintf(stderr, "%s: ", program_name);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    exit(EXIT_FAILURE);
}

static struct nl_sock *
open_socket(int protocol)
{
    struct nl_sock *sk = nl_socket_alloc();
    int err;

    if (!sk) {
        fatal("out of memory");
    }
    err = nl_connect(sk, protocol);
    if (err < 0) {
        fatal("cannot open a netlink socket: %s", nl_geterror(err));
    }
    return sk;
}

/* Parses "port N", "encap X", "ipproto Y" pairs into 'attrs'. */
static void
parse_attrs(int argc, char *argv[], struct fou_dev_attrs *attrs)
{
    attrs->port = 5555;
    attrs->encap = FOU_DEV_ENCAP_DIRECT;
    attrs->ipproto = 0;

    for (int i = 0; i < argc; i += 2) {
        const char *key = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        char *end;

        if (!value) {
            fatal("'%s' needs a value", key);
        } else if (!strcmp(key, "port")) {
            unsigned long port = strtoul(value, &end, 10);

            if (*end || !port || port > 65535) {
                fatal("invalid port '%s': use 1 to 65535", value);
            }
            attrs->port = port;
        } else if (!strcmp(key, "encap")) {
            if (!strcmp(value, "fou")) {
                attrs->encap = FOU_DEV_ENCAP_DIRECT;
            } else if (!strcmp(value, "gue")) {
                attrs->encap = FOU_DEV_ENCAP_GUE;
            } else {
                fatal("invalid encap '%s': use fou or gue", value);
            }
        } else if (!strcmp(key, "ipproto")) {
            if (!strcmp(value, "auto")) {
                attrs->ipproto = 0;
            } else if (!strcmp(value, "4") || !strcmp(value, "41")
                       || !strcmp(value, "137")) {
                attrs->ipproto = atoi(value);
            } else {
                fatal("invalid ipproto '%s': use 4, 41, 137 or auto", value);
            }
        } else {
            fatal("unknown argument '%s'; see --help", key);
        }
    }
    if (attrs->ipproto && attrs->encap == FOU_DEV_ENCAP_GUE) {
        fatal("ipproto applies only to encap fou; GUE carries the inner "
              "protocol in its own header");
    }
}

/* Sends 'msg', which it frees, and waits for the kernel's answer. */
static int
transact(struct nl_sock *sk, struct nl_msg *msg)
{
    int err = nl_send_auto(sk, msg);

    nlmsg_free(msg);
    return err < 0 ? err : nl_wait_for_ack(sk);
}

static int
cmd_add(const char *name, int argc, char *argv[])
{
    struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
    struct fou_dev_attrs attrs;
    struct nlattr *linkinfo, *data;
    struct nl_sock *sk;
    struct nl_msg *msg;
    int err;

    parse_attrs(argc, argv, &attrs);
    msg = nlmsg_alloc_simple(RTM_NEWLINK,
                             NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
    if (!msg || nlmsg_append(msg, &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0) {
        fatal("out of memory");
    }
    NLA_PUT_STRING(msg, IFLA_IFNAME, name);
    linkinfo = nla_nest_start(msg, IFLA_LINKINFO);
    NLA_PUT_STRING(msg, IFLA_INFO_KIND, "fou");
    data = nla_nest_start(msg, IFLA_INFO_DATA);
    NLA_PUT_U16(msg, IFLA_FOU_PORT, htons(attrs.port));
    NLA_PUT_U8(msg, IFLA_FOU_ENCAP, attrs.encap);
    NLA_PUT_U8(msg, IFLA_FOU_IPPROTO, attrs.ipproto);
    nla_nest_end(msg, data);
    nla_nest_end(msg, linkinfo);

    sk = open_socket(NETLINK_ROUTE);
    err = transact(sk, msg);
    nl_socket_free(sk);
    if (err == -NLE_OPNOTSUPP) {
        fatal("the kernel has no \"fou\" device type: load the fou_dev "
              "module (modprobe fou_dev)");
    } else if (err == -NLE_BUSY) {
        fatal("a fou device already receives on UDP port %u", attrs.port);
    } else if (err < 0) {
        fatal("cannot create %s: %s", name, nl_geterror(err));
    }
    return 0;

nla_put_failure:
    fatal("out of memory");
}

static int
cmd_del(const char *name)
{
    struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
    struct nl_sock *sk;
    struct nl_msg *msg;
    int err;

    msg = nlmsg_alloc_simple(RTM_DELLINK, NLM_F_REQUEST);
    if (!msg || nlmsg_append(msg, &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0) {
        fatal("out of memory");
    }
    NLA_PUT_STRING(msg, IFLA_IFNAME, name);

    sk = open_socket(NETLINK_ROUTE);
    err = transact(sk, msg);
    nl_socket_free(sk);
    if (err < 0) {
        fatal("cannot delete %s: %s", name, nl_geterror(err));
    }
    return 0;

nla_put_failure:
    fatal("out of memory");
}

/* Prints one RTM_NEWLINK message if it is a fou device (named 'arg', when
 * 'arg' is not NULL). */
static int
print_link(struct nl_msg *msg, void *arg)
{
    static struct nla_policy info_policy[IFLA_INFO_MAX + 1] = {
        [IFLA_INFO_KIND] = { .type = NLA_STRING },
        [IFLA_INFO_DATA] = { .type = NLA_NESTED },
    };
    static struct nla_policy fou_policy[IFLA_FOU_MAX + 1] = {
        [IFLA_FOU_PORT] = { .type = NLA_U16 },
        [IFLA_FOU_ENCAP] = { .type = NLA_U8 },
        [IFLA_FOU_IPPROTO] = { .type = NLA_U8 },
    };
    struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];
    struct nlattr *fou[IFLA_FOU_MAX + 1];
    struct nlmsghdr *nlh = nlmsg_hdr(msg);
    const char *name, *only = arg;
    struct ifinfomsg *ifi;
    unsigned int ipproto;

    if (nlmsg_parse(nlh, sizeof *ifi, tb, IFLA_MAX, NULL) < 0
        || !tb[IFLA_IFNAME] || !tb[IFLA_LINKINFO]
        || nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO],
                            info_policy) < 0
        || !info[IFLA_INFO_KIND]
        || strcmp(nla_get_string(info[IFLA_INFO_KIND]), "fou")) {
        return NL_OK;
    }
    name = nla_get_string(tb[IFLA_IFNAME]);
    if (only && strcmp(name, only)) {
        return NL_OK;
    }
    ifi = nlmsg_data(nlh);
    memset(fou, 0, sizeof fou);
    if (info[IFLA_INFO_DATA]) {
        nla_parse_nested(fou, IFLA_FOU_MAX, info[IFLA_INFO_DATA], fou_policy);
    }
    ipproto = fou[IFLA_FOU_IPPROTO] ? nla_get_u8(fou[IFLA_FOU_IPPROTO]) : 0;
    printf("%s: port %u encap %s ipproto ",
           name, fou[IFLA_FOU_PORT]
                 ? ntohs(nla_get_u16(fou[IFLA_FOU_PORT])) : 0,
           fou[IFLA_FOU_ENCAP]
           && nla_get_u8(fou[IFLA_FOU_ENCAP]) == FOU_DEV_ENCAP_GUE
           ? "gue" : "fou");
    if (ipproto) {
        printf("%u", ipproto);
    } else {
        printf("auto");
    }
    printf("%s\n", ifi->ifi_flags & IFF_UP ? "" : " (down)");
    return NL_OK;
}

static int
show_devices(const char *name)
{
    struct rtgenmsg gen = { .rtgen_family = AF_UNSPEC };
    struct nl_sock *sk = open_socket(NETLINK_ROUTE);
    int err;

    printf("fou devices:\n");
    nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, print_link,
                        (void *) name);
    err = nl_send_simple(sk, RTM_GETLINK, NLM_F_DUMP, &gen, sizeof gen);
    if (err >= 0) {
        err = nl_recvmsgs_default(sk);
    }
    nl_socket_free(sk);
    return err;
}

/* Prints one FOU_CMD_GET answer: a port of the kernel's own FOU. */
static int
print_kernel_fou(struct nl_msg *msg, void *arg)
{
    struct nlattr *a[FOU_ATTR_MAX + 1];
    unsigned int af = AF_INET, type = FOU_ENCAP_DIRECT;

    (void) arg;
    if (genlmsg_parse(nlmsg_hdr(msg), 0, a, FOU_ATTR_MAX, NULL) < 0
        || !a[FOU_ATTR_PORT]) {
        return NL_OK;
    }
    if (a[FOU_ATTR_AF]) {
        af = nla_get_u8(a[FOU_ATTR_AF]);
    }
    if (a[FOU_ATTR_TYPE]) {
        type = nla_get_u8(a[FOU_ATTR_TYPE]);
    }
    printf("  port %u %s", ntohs(nla_get_u16(a[FOU_ATTR_PORT])),
           type == FOU_ENCAP_GUE ? "gue" : "ipproto ");
    if (type != FOU_ENCAP_GUE) {
        printf("%u", a[FOU_ATTR_IPPROTO] ? nla_get_u8(a[FOU_ATTR_IPPROTO])
                                         : 0);
    }
    printf("%s\n", af == AF_INET6 ? " -6" : "");
    return NL_OK;
}

static void
show_kernel_fou(void)
{
    struct nl_sock *sk = open_socket(NETLINK_GENERIC);
    int family = genl_ctrl_resolve(sk, FOU_GENL_NAME);

    printf("kernel FOU ports (ip fou):\n");
    if (family < 0) {
        printf("  none: the fou module is not loaded\n");
    } else {
        nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, print_kernel_fou,
                            NULL);
        if (genl_send_simple(sk, family, FOU_CMD_GET, FOU_GENL_VERSION,
                             NLM_F_DUMP) >= 0) {
            nl_recvmsgs_default(sk);
        }
    }
    nl_socket_free(sk);
}

static int
cmd_show(const char *name)
{
    int err = show_devices(name);

    if (err < 0) {
        fatal("cannot list devices: %s", nl_geterror(err));
    }
    show_kernel_fou();
    return 0;
}

int
main(int argc, char *argv[])
{
    static const struct option long_options[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    while ((c = getopt_long(argc, argv, "+h", long_options, NULL)) != -1) {
        if (c == 'h') {
            usage();
            return 0;
        }
        fprintf(stderr, "%s: see --help\n", program_name);
        return EXIT_FAILURE;
    }
    argc -= optind;
    argv += optind;

    if (argc >= 2 && !strcmp(argv[0], "add")) {
        return cmd_add(argv[1], argc - 2, argv + 2);
    } else if (argc == 2 && !strcmp(argv[0], "del")) {
        return cmd_del(argv[1]);
    } else if ((argc == 1 || argc == 2) && !strcmp(argv[0], "show")) {
        return cmd_show(argc == 2 ? argv[1] : NULL);
    }
    fprintf(stderr, "%s: missing or unknown command; see --help\n",
            program_name);
    return EXIT_FAILURE;
}

/*
 * Copyright (c) 2026 The ovs-fou developers.
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

/* ovstest test-tunnel-bench: the per-packet cost of the userspace datapath's
 * tunnel push and pop, for each tunnel type, inner packet size and underlay
 * family, measured on batches of packets with OVS's own code.
 *
 * Push is what the datapath runs for an output to a tunnel port: the
 * actions "pop_eth,tnl_push(...)" for a tunnel that carries IP without
 * Ethernet (fou, gue), "tnl_push(...)" for the others, through the
 * datapath's own action executor, odp_execute_actions(), which hands the
 * tnl_push to netdev_push_header() as dpif-netdev does.  Pop is the tnl_pop
 * action (netdev_pop_header()), then push_eth for fou and gue, whose inner
 * packet leaves through an Ethernet port.  Parsing the packet before each,
 * which the datapath does for every tunnel type alike, is left out of the
 * times.
 *
 * Each round measures every case once, in an order that rotates from round
 * to round, so that the cases interleave and drift on a noisy machine hits
 * them all alike.  Every pop must give back the packet that was pushed,
 * byte for byte, with tunnel metadata that describes the outer headers; a
 * benchmark of a path that drops or mangles packets would be a lie.
 *
 * Prints one line per case and round:
 *   TYPE FAMILY SIZE PUSH_NS POP_NS
 * with nanoseconds per packet. */

#include <config.h>
#undef NDEBUG
#include <errno.h>
#include <getopt.h>
#include <time.h>

#include "compiler.h"
#include "csum.h"
#include "dp-packet.h"
#include "dpif.h"
#include "flow.h"
#include "netdev.h"
#include "netdev-fou.h"
#include "netdev-vport.h"
#include "netlink.h"
#include "odp-execute.h"
#include "odp-netlink.h"
#include "odp-util.h"
#include "openvswitch/ofpbuf.h"
#include "ovs-fou-config.h"
#include "openvswitch/vlog.h"
#include "ovstest.h"
#include "packets.h"
#include "smap.h"
#include "sset.h"
#include "timeval.h"
#include "util.h"

#define BENCH_BATCH NETDEV_MAX_BURST

/* utilities/ovs-fou-bench has callgrind count bench_push() and bench_pop()
 * by name, so they must stay functions of their own. */
#ifdef __GNUC__
#define BENCH_NOINLINE __attribute__((__noinline__))
#else
#define BENCH_NOINLINE
#endif

/* The tunnel types.  "gue" is a fou port with encap=gue, on a UDP port of
 * its own: fou and gue may not share one. */
static const struct {
    const char *name;           /* As given on the command line. */
    const char *netdev_type;    /* Interface type. */
    const char *options;        /* More options, "key=value,...". */
    bool l3;                    /* Carries IP without Ethernet. */
} tunnel_types[] = {
    { "fou",    "fou",    "",                         true },
    { "gue",    "fou",    "encap=gue,dst_port=6080",  true },
    { "vxlan",  "vxlan",  "",                         false },
    { "geneve", "geneve", "",                         false },
    { "gre",    "gre",    "",                         false },
};

static const int packet_sizes[] = { 64, 1400 };

struct bench_case {
    int type;                   /* Index into tunnel_types[]. */
    bool ipv6;                  /* Underlay family. */
    int size;                   /* Inner IP packet, in bytes. */

    struct netdev *netdev;
    struct ovs_action_push_tnl header;
    struct ofpbuf actions;      /* Datapath actions of an output to it. */
    struct dp_packet *template; /* The inner packet, with Ethernet. */
    struct dp_packet_batch batch;
};

static const struct eth_addr local_mac = ETH_ADDR_C(02, 00, 00, 00, 00, 01);
static const struct eth_addr remote_mac = ETH_ADDR_C(02, 00, 00, 00, 00, 02);
static const struct eth_addr host_mac = ETH_ADDR_C(02, 00, 00, 00, 00, 03);

static long long int
now_ns(void)
{
    struct timespec ts;

    xclock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* An Ethernet frame carrying an IPv4 UDP packet of 'size' bytes (at least
 * 28), as host 198.51.100.1 would send it. */
static struct dp_packet *
make_inner_packet(int size)
{
    struct dp_packet *packet = dp_packet_new_with_headroom(ETH_HEADER_LEN
                                                           + size, 128);
    struct udp_header *udp;
    struct ip_header *ip;

    eth_compose(packet, remote_mac, host_mac, ETH_TYPE_IP, size);
    ip = dp_packet_l3(packet);
    memset(ip, 0, size);
    ip->ip_ihl_ver = IP_IHL_VER(5, 4);
    ip->ip_tot_len = htons(size);
    ip->ip_ttl = 64;
    ip->ip_proto = IPPROTO_UDP;
    put_16aligned_be32(&ip->ip_src, htonl(0xc6336401));  /* 198.51.100.1 */
    put_16aligned_be32(&ip->ip_dst, htonl(0xc6336402));  /* 198.51.100.2 */
    ip->ip_csum = csum(ip, IP_HEADER_LEN);
    udp = (struct udp_header *) (ip + 1);
    udp->udp_src = htons(40000);
    udp->udp_dst = htons(9);
    udp->udp_len = htons(size - IP_HEADER_LEN);
    return packet;
}

/* Adds the "key=value,..." pairs of 'options' to 'args'. */
static void
add_options(struct smap *args, const char *options)
{
    char *copy = xstrdup(options);
    char *save_ptr = NULL;

    for (char *pair = strtok_r(copy, ",", &save_ptr); pair;
         pair = strtok_r(NULL, ",", &save_ptr)) {
        char *value = strchr(pair, '=');

        ovs_assert(value);
        *value++ = '\0';
        smap_add(args, pair, value);
    }
    free(copy);
}

static void
open_tunnel(struct bench_case *c)
{
    const char *type = tunnel_types[c->type].netdev_type;
    struct smap args = SMAP_INITIALIZER(&args);
    char *name, *error = NULL;
    int err;

    name = xasprintf("%s%d", tunnel_types[c->type].name, c->ipv6 ? 6 : 4);
    err = netdev_open(name, type, &c->netdev);
    if (err) {
        ovs_fatal(err, "%s: cannot open a %s port", name, type);
    }
    smap_add(&args, "remote_ip", c->ipv6 ? "2001:db8:ff::2" : "198.18.0.2");
    smap_add(&args, "local_ip", c->ipv6 ? "2001:db8:ff::1" : "198.18.0.1");
    add_options(&args, tunnel_types[c->type].options);
    err = netdev_set_config(c->netdev, &args, &error);
    if (err) {
        ovs_fatal(err, "%s: %s", name, error ? error : "bad configuration");
    }
    smap_destroy(&args);
    free(name);
}

/* The tunnel flags that tnl_port_send() gives a flow out of port 'c': DF,
 * and a UDP checksum where the configuration asks for one or, over IPv6,
 * by default. */
static uint16_t
tunnel_flags(const struct bench_case *c,
             const struct netdev_tunnel_config *cfg)
{
    uint16_t flags = cfg->dont_fragment ? FLOW_TNL_F_DONT_FRAGMENT : 0;

#ifdef FOU_HAVE_TNL_CSUM_ENUM
    if (cfg->csum == NETDEV_TNL_CSUM_ENABLED
        || (cfg->csum == NETDEV_TNL_CSUM_DEFAULT && c->ipv6)) {
        flags |= FLOW_TNL_F_CSUM;
    }
#else
    /* Before the enum, udp_build_header() checksums IPv6 by itself, and
     * a hook in tnl_port_send() sets the flag for fou over IPv6. */
    if (cfg->csum || (c->ipv6 && netdev_fou_csum_ipv6(c->netdev))) {
        flags |= FLOW_TNL_F_CSUM;
    }
#endif
    return flags;
}

/* Builds the tnl_push action's header, as ofproto-dpif-xlate does for an
 * output to the port. */
static void
build_header(struct bench_case *c)
{
    const struct netdev_tunnel_config *cfg
        = netdev_get_tunnel_config(c->netdev);
    struct netdev_tnl_build_header_params params;
    struct flow flow;
    int err;

    memset(&flow, 0, sizeof flow);
    flow.packet_type = tunnel_types[c->type].l3 ? htonl(PT_IPV4)
                                                : htonl(PT_ETH);
    flow.tunnel.ip_dst = in6_addr_get_mapped_ipv4(&cfg->ipv6_dst);
    flow.tunnel.ipv6_dst = c->ipv6 ? cfg->ipv6_dst : in6addr_any;
    flow.tunnel.ip_src = in6_addr_get_mapped_ipv4(&cfg->ipv6_src);
    flow.tunnel.ipv6_src = c->ipv6 ? cfg->ipv6_src : in6addr_any;
    flow.tunnel.tp_dst = cfg->dst_port;
    flow.tunnel.ip_ttl = 64;
    flow.tunnel.flags = tunnel_flags(c, cfg);
    netdev_init_tnl_build_header_params(&params, &flow, &cfg->ipv6_src,
                                        remote_mac, local_mac);
    err = netdev_build_header(c->netdev, &c->header, &params);
    if (err) {
        ovs_fatal(err, "%s: cannot build the tunnel header",
                  netdev_get_name(c->netdev));
    }
    c->header.out_port = 1;
}

static void
setup_case(struct bench_case *c)
{
    open_tunnel(c);
    build_header(c);
    ofpbuf_init(&c->actions, 0);
    if (tunnel_types[c->type].l3) {
        nl_msg_put_flag(&c->actions, OVS_ACTION_ATTR_POP_ETH);
    }
    odp_put_tnl_push_action(&c->actions, &c->header);
    c->template = make_inner_packet(c->size);
    dp_packet_batch_init(&c->batch);
    for (int i = 0; i < BENCH_BATCH; i++) {
        dp_packet_batch_add(&c->batch, dp_packet_clone(c->template));
    }
}

/* Makes each packet of 'batch' what a port without receive offload delivers
 * and the datapath's parse of it leaves: no offload state, and the
 * offsets set.  On the OVS versions where a push leaves its checksums to
 * dp_packet_ol_send_prepare(), that marks them good, and a pop that saw the
 * marks would skip the outer IPv4 header and UDP checksum checks, so a
 * wrong checksum would come back unnoticed and the pop's times would leave
 * out work that a real receive does. */
static void
parse_batch(struct dp_packet_batch *batch, uint32_t hash)
{
    struct dp_packet *packet;
    struct flow flow;

    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        dp_packet_reset_offload(packet);
        flow_extract(packet, &flow);
        dp_packet_set_rss_hash(packet, hash + i);
    }
}

/* Computes the checksums that a push left to offload, as netdev_send()
 * does for a port that offloads nothing: part of the cost of a push from
 * the OVS versions that have it, where the push itself no longer does. */
static void
bench_send_prepare(struct dp_packet_batch *batch OVS_UNUSED)
{
#ifdef FOU_HAVE_OL_SEND_PREPARE
    struct dp_packet *packet;

    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        dp_packet_ol_send_prepare(packet, 0);
    }
#endif
}

/* What dpif-netdev does with a tnl_push action that odp_execute_actions()
 * hands it. */
static void
bench_execute_cb(void *c_, struct dp_packet_batch *batch,
                 const struct nlattr *a, bool should_steal OVS_UNUSED)
{
    struct bench_case *c = c_;

    ovs_assert(nl_attr_type(a) == OVS_ACTION_ATTR_TUNNEL_PUSH);
#ifdef FOU_HAVE_PUSH_INGRESS_NETDEV
    netdev_push_header(c->netdev, NULL, batch, nl_attr_get(a));
#else
    netdev_push_header(c->netdev, batch, nl_attr_get(a));
#endif
}

static void BENCH_NOINLINE
bench_push(struct bench_case *c)
{
    odp_execute_actions(c, &c->batch, false, c->actions.data,
                        c->actions.size, bench_execute_cb);
    bench_send_prepare(&c->batch);
}

static void BENCH_NOINLINE
bench_pop(struct bench_case *c)
{
    netdev_pop_header(c->netdev, &c->batch);
    if (tunnel_types[c->type].l3) {
        struct dp_packet *packet;

        DP_PACKET_BATCH_FOR_EACH (i, packet, &c->batch) {
            push_eth(packet, &remote_mac, &host_mac);
        }
    }
}

/* The outer UDP header of the case's tnl_push header, or NULL if the
 * tunnel is not carried in UDP (gre). */
static const struct udp_header *
pushed_udp_header(const struct bench_case *c)
{
    const struct eth_header *eth = (const void *) c->header.header;
    const void *l3 = eth + 1;
    size_t l3_len;
    uint8_t proto;

    if (eth->eth_type == htons(ETH_TYPE_IP)) {
        const struct ip_header *ip = l3;

        l3_len = IP_IHL(ip->ip_ihl_ver) * 4;
        proto = ip->ip_proto;
    } else {
        const struct ovs_16aligned_ip6_hdr *ip6 = l3;

        l3_len = IPV6_HEADER_LEN;
        proto = ip6->ip6_ctlun.ip6_un1.ip6_un1_nxt;
    }
    return (proto != IPPROTO_UDP ? NULL
            : ALIGNED_CAST(const struct udp_header *,
                           (const char *) l3 + l3_len));
}

/* What -x corrupts in every pushed packet, to show that the pop's checks,
 * and so this benchmark's, see a push that writes a wrong checksum. */
enum corruption {
    CORRUPT_NONE,
    CORRUPT_IP_CSUM,            /* The outer IPv4 header checksum. */
    CORRUPT_UDP_CSUM,           /* The outer UDP checksum. */
};

static enum corruption corruption = CORRUPT_NONE;

/* A checksum other than 'csum' and not zero, which for UDP would mean "no
 * checksum": one that cannot be right. */
static ovs_be16
wrong_csum(ovs_be16 csum)
{
    return csum == htons(0x1234) ? htons(0x4321) : htons(0x1234);
}

/* Replaces the checksum that 'corruption' names in every packet of
 * the case's pushed batch. */
static void
corrupt_batch(struct bench_case *c)
{
    struct dp_packet *packet;

    DP_PACKET_BATCH_FOR_EACH (i, packet, &c->batch) {
        struct eth_header *eth = dp_packet_eth(packet);
        struct udp_header *udp;

        if (corruption == CORRUPT_IP_CSUM) {
            struct ip_header *ip = (void *) (eth + 1);

            if (eth->eth_type != htons(ETH_TYPE_IP)) {
                ovs_fatal(0, "%s: -x ip-csum needs an IPv4 underlay",
                          netdev_get_name(c->netdev));
            }
            ip->ip_csum = wrong_csum(ip->ip_csum);
            continue;
        }
        udp = CONST_CAST(struct udp_header *, pushed_udp_header(c));
        if (!udp || !udp->udp_csum) {
            ovs_fatal(0, "%s: -x udp-csum needs a UDP tunnel whose datagrams "
                      "carry a checksum (an IPv6 underlay)",
                      netdev_get_name(c->netdev));
        }
        /* The same offset in the packet as in the tnl_push header. */
        udp = ALIGNED_CAST(struct udp_header *,
                           (char *) eth + ((const char *) udp
                                           - (const char *) c->header.header));
        udp->udp_csum = wrong_csum(udp->udp_csum);
    }
}

/* The tunnel metadata that pop gave 'packet' must describe the outer
 * headers that push put on it ('cfg' is the port's configuration, 'udp' the
 * UDP header of its tnl_push header, NULL for gre): the addresses of the
 * pushing side (as the pop's remote and local), the UDP destination port
 * (the source port is chosen per packet) and the checksum flag, which every
 * UDP tunnel's pop sets exactly when the datagram carried a checksum, on
 * every OVS version, whether or not the datapath then prints it in a flow
 * key. */
static void
check_tunnel_md(const struct bench_case *c,
                const struct netdev_tunnel_config *cfg,
                const struct udp_header *udp, const struct dp_packet *packet)
{
    const struct flow_tnl *tnl = &packet->md.tunnel;
    const char *name = netdev_get_name(c->netdev);
    struct in6_addr src = flow_tnl_src(tnl);
    struct in6_addr dst = flow_tnl_dst(tnl);

    if (!ipv6_addr_equals(&src, &cfg->ipv6_src)
        || !ipv6_addr_equals(&dst, &cfg->ipv6_dst)) {
        ovs_fatal(0, "%s: pop gave other outer addresses than push sent",
                  name);
    }
    if (!udp) {
        return;
    }
    if (tnl->tp_dst != udp->udp_dst) {
        ovs_fatal(0, "%s: pop gave UDP destination port %"PRIu16", push "
                  "sent %"PRIu16, name, ntohs(tnl->tp_dst),
                  ntohs(udp->udp_dst));
    }
    bool csum = (tnl->flags & FLOW_TNL_F_CSUM) != 0;
    if (csum != (udp->udp_csum != 0)) {
        ovs_fatal(0, "%s: pop %s the checksum flag of a datagram %s a UDP "
                  "checksum", name, csum ? "set" : "did not set",
                  udp->udp_csum ? "with" : "without");
    }
}

/* Every packet must come back from the tunnel as it went in, with tunnel
 * metadata that describes the outer headers it went through. */
static void
check_batch(const struct bench_case *c)
{
    const struct netdev_tunnel_config *cfg
        = netdev_get_tunnel_config(c->netdev);
    const struct udp_header *udp = pushed_udp_header(c);
    const struct dp_packet *packet;

    if (dp_packet_batch_size(&c->batch) != BENCH_BATCH) {
        ovs_fatal(0, "%s: %"PRIuSIZE" of %d packets came back from pop",
                  netdev_get_name(c->netdev),
                  dp_packet_batch_size(&c->batch), BENCH_BATCH);
    }
    DP_PACKET_BATCH_FOR_EACH (i, packet, &c->batch) {
        if (dp_packet_size(packet) != dp_packet_size(c->template)
            || memcmp(dp_packet_data(packet), dp_packet_data(c->template),
                      dp_packet_size(packet))) {
            ovs_fatal(0, "%s: a packet came back from pop changed",
                      netdev_get_name(c->netdev));
        }
        check_tunnel_md(c, cfg, udp, packet);
    }
}

/* Pushes and pops the case's batch 'iterations' times and prints the cost
 * per packet of each. */
static void
run_case(struct bench_case *c, int iterations)
{
    long long int push_ns = 0, pop_ns = 0;

    for (int i = 0; i < iterations; i++) {
        long long int start;

        parse_batch(&c->batch, i * BENCH_BATCH);
        start = now_ns();
        bench_push(c);
        push_ns += now_ns() - start;
        if (corruption != CORRUPT_NONE) {
            corrupt_batch(c);
        }

        parse_batch(&c->batch, 0);
        start = now_ns();
        bench_pop(c);
        pop_ns += now_ns() - start;
    }
    check_batch(c);

    double packets = (double) iterations * BENCH_BATCH;
    printf("%s %s %d %.2f %.2f\n", tunnel_types[c->type].name,
           c->ipv6 ? "ipv6" : "ipv4", c->size,
           push_ns / packets, pop_ns / packets);
    fflush(stdout);
}

/* Does 'spec' ("all", or TYPE/FAMILY/SIZE with any part "*") select 'c'? */
static bool
case_selected(const struct bench_case *c, const char *spec)
{
    char type[16], family[8], size[8];

    if (!strcmp(spec, "all")) {
        return true;
    }
    if (sscanf(spec, "%15[^/]/%7[^/]/%7s", type, family, size) != 3) {
        ovs_fatal(0, "%s: a case is TYPE/FAMILY/SIZE, such as fou/ipv4/64",
                  spec);
    }
    return ((!strcmp(type, "*") || !strcmp(type, tunnel_types[c->type].name))
            && (!strcmp(family, "*")
                || !strcmp(family, c->ipv6 ? "ipv6" : "ipv4"))
            && (!strcmp(size, "*") || atoi(size) == c->size));
}

static void
usage(void)
{
    printf("usage: ovstest test-tunnel-bench [-r ROUNDS] [-n ITERATIONS] "
           "[-x ip-csum|udp-csum] [CASE...]\n"
           "Each CASE is TYPE/FAMILY/SIZE (any part may be \"*\"), or "
           "\"all\":\n"
           "  TYPE: fou, gue, vxlan, geneve or gre\n"
           "  FAMILY: ipv4 or ipv6, the underlay\n"
           "  SIZE: 64 or 1400, the inner IP packet in bytes\n"
           "Each round pushes and pops a batch of %d packets ITERATIONS "
           "times per case,\nand prints \"TYPE FAMILY SIZE PUSH_NS POP_NS\" "
           "per case, in nanoseconds per packet.\n"
           "-x corrupts that outer checksum after every push, as a push "
           "that wrote it\nwrong would: the pop must drop every packet, "
           "and the run fails.\n", BENCH_BATCH);
    exit(EXIT_SUCCESS);
}

static void
test_tunnel_bench_main(int argc, char *argv[])
{
    struct bench_case cases[ARRAY_SIZE(tunnel_types) * 2
                            * ARRAY_SIZE(packet_sizes)];
    int rounds = 5, iterations = 10000;
    size_t n_cases = 0;
    int opt;

    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_WARN);
    while ((opt = getopt(argc, argv, "r:n:x:h")) != -1) {
        switch (opt) {
        case 'r':
            rounds = atoi(optarg);
            break;
        case 'n':
            iterations = atoi(optarg);
            break;
        case 'x':
            if (!strcmp(optarg, "ip-csum")) {
                corruption = CORRUPT_IP_CSUM;
            } else if (!strcmp(optarg, "udp-csum")) {
                corruption = CORRUPT_UDP_CSUM;
            } else {
                ovs_fatal(0, "-x %s: corrupt ip-csum or udp-csum", optarg);
            }
            break;
        default:
            usage();
        }
    }
    if (rounds < 1 || iterations < 1) {
        ovs_fatal(0, "ROUNDS and ITERATIONS must be positive");
    }

    /* The datapath layer, routing included, set up as ovs-vswitchd has it:
     * configuring a tunnel looks up its route. */
    struct sset types = SSET_INITIALIZER(&types);
    dp_enumerate_types(&types);
    sset_destroy(&types);
    netdev_vport_tunnel_register();
    for (int t = 0; t < ARRAY_SIZE(tunnel_types); t++) {
        for (int v6 = 0; v6 < 2; v6++) {
            for (int s = 0; s < ARRAY_SIZE(packet_sizes); s++) {
                struct bench_case c = { .type = t, .ipv6 = v6,
                                        .size = packet_sizes[s] };
                bool selected = optind >= argc;

                for (int i = optind; i < argc && !selected; i++) {
                    selected = case_selected(&c, argv[i]);
                }
                if (selected) {
                    cases[n_cases] = c;
                    setup_case(&cases[n_cases++]);
                }
            }
        }
    }
    if (!n_cases) {
        ovs_fatal(0, "no case selected");
    }

    for (int r = 0; r < rounds; r++) {
        for (size_t i = 0; i < n_cases; i++) {
            run_case(&cases[(i + r) % n_cases], iterations);
        }
    }

    for (size_t i = 0; i < n_cases; i++) {
        dp_packet_delete_batch(&cases[i].batch, true);
        dp_packet_delete(cases[i].template);
        ofpbuf_uninit(&cases[i].actions);
        netdev_close(cases[i].netdev);
    }
}

OVSTEST_REGISTER("test-tunnel-bench", test_tunnel_bench_main);

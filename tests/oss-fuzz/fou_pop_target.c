/* libFuzzer target: the userspace datapath's FOU and GUE receive path.
 *
 * Each input is an Ethernet frame.  Like the datapath, the target parses it
 * (flow_extract()), hands it to the fou port's pop_header() only if it is
 * an unfragmented UDP datagram to one of the ports configured below (what
 * tnl-ports matches on), and parses whatever pop_header() gives back as
 * the datapath parses a recirculated packet.  The ports cover every
 * receive mode: direct FOU by IP version and with each ipproto, and GUE. */

#include <config.h>
#include "fuzzer.h"
#undef NDEBUG
#include "dp-packet.h"
#include "dpif.h"
#include "flow.h"
#include "netdev.h"
#include "netdev-vport.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "smap.h"
#include "sset.h"
#include "util.h"

static const struct {
    const char *name;
    const char *dst_port;
    const char *key;            /* An option to set, or NULL. */
    const char *value;
} fou_ports[] = {
    { "fauto", "5555", NULL, NULL },
    { "fipip", "5556", "ipproto", "4" },
    { "fipv6", "5557", "ipproto", "41" },
    { "fmpls", "5558", "ipproto", "137" },
    { "fgue", "6080", "encap", "gue" },
};

static struct netdev *netdevs[ARRAY_SIZE(fou_ports)];

static void
open_fou_ports(void)
{
    struct sset types = SSET_INITIALIZER(&types);

    vlog_set_verbosity("off");
    /* The datapath layer, routing included, as ovs-vswitchd sets it up. */
    dp_enumerate_types(&types);
    sset_destroy(&types);
    netdev_vport_tunnel_register();

    for (size_t i = 0; i < ARRAY_SIZE(fou_ports); i++) {
        struct smap args = SMAP_INITIALIZER(&args);
        char *error = NULL;

        ovs_assert(!netdev_open(fou_ports[i].name, "fou", &netdevs[i]));
        smap_add(&args, "remote_ip", "flow");
        smap_add(&args, "dst_port", fou_ports[i].dst_port);
        if (fou_ports[i].key) {
            smap_add(&args, fou_ports[i].key, fou_ports[i].value);
        }
        ovs_assert(!netdev_set_config(netdevs[i], &args, &error));
        smap_destroy(&args);
    }
}

static struct netdev *
fou_port_for(const struct flow *flow)
{
    if ((flow->dl_type != htons(ETH_TYPE_IP)
         && flow->dl_type != htons(ETH_TYPE_IPV6))
        || flow->nw_proto != IPPROTO_UDP
        || flow->nw_frag & FLOW_NW_FRAG_ANY) {
        return NULL;
    }
    for (size_t i = 0; i < ARRAY_SIZE(fou_ports); i++) {
        if (ntohs(flow->tp_dst) == atoi(fou_ports[i].dst_port)) {
            return netdevs[i];
        }
    }
    return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
    static bool initialized;
    struct dp_packet_batch batch;
    struct dp_packet *packet;
    struct netdev *netdev;
    struct flow flow;

    if (!initialized) {
        open_fou_ports();
        initialized = true;
    }

    /* As a received packet: headroom, and its own copy of the data, so
     * that AddressSanitizer sees any read past its end. */
    packet = dp_packet_new_with_headroom(size, 64);
    dp_packet_put(packet, input, size);
    flow_extract(packet, &flow);

    netdev = fou_port_for(&flow);
    if (!netdev) {
        dp_packet_delete(packet);
        return 0;
    }

    dp_packet_batch_init_packet(&batch, packet);
    netdev_pop_header(netdev, &batch);
    DP_PACKET_BATCH_FOR_EACH (i, packet, &batch) {
        ovs_assert(packet->packet_type != htonl(PT_ETH));
        flow_extract(packet, &flow);
    }
    dp_packet_delete_batch(&batch, true);
    return 0;
}

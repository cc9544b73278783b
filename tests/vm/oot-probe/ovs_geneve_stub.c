// SPDX-License-Identifier: GPL-2.0
/*
 * A test stand-in for Open vSwitch's out-of-tree kernel module, whose one
 * trait that ovs-vswitchd probes for is the rtnetlink link kind
 * "ovs_geneve": when the kind exists, ovs-vswitchd takes the datapath for
 * the out-of-tree one (dpif_netlink_rtnl_probe_oot_tunnels()) and manages
 * its tunnel ports the older way.  The devices do nothing; the module
 * parameter "created" counts the requests for one, so that a test sees
 * the probe.
 */

#include <linux/etherdevice.h>
#include <linux/module.h>
#include <net/rtnetlink.h>

static unsigned int created;
module_param(created, uint, 0444);
MODULE_PARM_DESC(created, "devices of kind ovs_geneve asked for");

static netdev_tx_t ovs_geneve_stub_xmit(struct sk_buff *skb,
					struct net_device *dev)
{
	dev_kfree_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops ovs_geneve_stub_ops = {
	.ndo_start_xmit = ovs_geneve_stub_xmit,
};

static void ovs_geneve_stub_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &ovs_geneve_stub_ops;
	dev->needs_free_netdev = true;
	eth_hw_addr_random(dev);
}

static int ovs_geneve_stub_validate(struct nlattr *tb[], struct nlattr *data[],
				    struct netlink_ext_ack *extack)
{
	created++;
	return 0;
}

static struct rtnl_link_ops ovs_geneve_stub_link_ops __read_mostly = {
	.kind		= "ovs_geneve",
	.setup		= ovs_geneve_stub_setup,
	.validate	= ovs_geneve_stub_validate,
};

static int __init ovs_geneve_stub_init(void)
{
	return rtnl_link_register(&ovs_geneve_stub_link_ops);
}
module_init(ovs_geneve_stub_init);

static void __exit ovs_geneve_stub_exit(void)
{
	rtnl_link_unregister(&ovs_geneve_stub_link_ops);
}
module_exit(ovs_geneve_stub_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Test stand-in: the ovs_geneve link kind of OVS's out-of-tree module");

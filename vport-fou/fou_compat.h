/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels vport_fou is built for, Linux 6.1 and
 * 6.12, keyed on what the kernel's headers provide rather than on version
 * numbers where they tell, so that fou_dev.c reads as code for one kernel.
 */
#ifndef FOU_COMPAT_H
#define FOU_COMPAT_H

#include <linux/netdevice.h>
#include <linux/version.h>
#include <net/dst_metadata.h>
#include <net/ip_tunnels.h>
#include <net/udp_tunnel.h>

#ifdef IP_TUNNEL_DECLARE_FLAGS
/* Linux 6.10 and later: the tunnel flags are a bitmap. */
static inline bool fou_tun_csum(const struct ip_tunnel_key *key)
{
	return test_bit(IP_TUNNEL_CSUM_BIT, key->tun_flags);
}

static inline bool fou_tun_df(const struct ip_tunnel_key *key)
{
	return test_bit(IP_TUNNEL_DONT_FRAGMENT_BIT, key->tun_flags);
}

/* The received packet's tunnel metadata, with no key and no flags. */
static inline struct metadata_dst *fou_tun_rx_dst(struct sk_buff *skb, u16 af)
{
	IP_TUNNEL_DECLARE_FLAGS(flags) = { };

	return udp_tun_rx_dst(skb, af, flags, 0, 0);
}
#else
static inline bool fou_tun_csum(const struct ip_tunnel_key *key)
{
	return key->tun_flags & TUNNEL_CSUM;
}

static inline bool fou_tun_df(const struct ip_tunnel_key *key)
{
	return key->tun_flags & TUNNEL_DONT_FRAGMENT;
}

static inline struct metadata_dst *fou_tun_rx_dst(struct sk_buff *skb, u16 af)
{
	return udp_tun_rx_dst(skb, af, 0, 0, 0);
}
#endif

#ifdef NETIF_F_LLTX
static inline void fou_set_lltx(struct net_device *dev)
{
	dev->features |= NETIF_F_LLTX;
}
#else
/* Linux 6.12 and later: lockless transmit is a flag of the device. */
static inline void fou_set_lltx(struct net_device *dev)
{
	dev->lltx = true;
}
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
/* Linux 6.6 and later allocate a device's per-CPU statistics themselves,
 * after ndo_init, given their type (no macro tells).
 */
static inline int fou_tstats_init(struct net_device *dev)
{
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
	return 0;
}

static inline void fou_tstats_uninit(struct net_device *dev)
{
}
#else
static inline int fou_tstats_init(struct net_device *dev)
{
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	return dev->tstats ? 0 : -ENOMEM;
}

static inline void fou_tstats_uninit(struct net_device *dev)
{
	free_percpu(dev->tstats);
}
#endif

#endif /* FOU_COMPAT_H */

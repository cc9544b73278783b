/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels fou_dev is built for, Linux 6.1 to
 * 7.x, keyed on what the kernel provides rather than on version numbers,
 * so that fou_dev.c reads as code for one kernel and a distribution kernel
 * with a change backported builds too.  Where a header macro tells, #ifdef
 * asks it; where only a declaration changed, Kbuild reads the declaration
 * in the kernel's headers and defines FOU_HAVE_*.  The versions named are
 * the first with each change: a mainline release, or a stable update.
 */
#ifndef FOU_COMPAT_H
#define FOU_COMPAT_H

#include <linux/netdevice.h>
#include <net/dst_metadata.h>
#include <net/ip_tunnels.h>
#include <net/rtnetlink.h>
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

#ifdef FOU_HAVE_PCPU_STAT_TYPE
/* Linux 6.7 and later, and 6.1 from 6.1.120, allocate a device's per-CPU
 * statistics themselves, after ndo_init, given their type.
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

#ifdef FOU_HAVE_SETUP_UDP_TUNNEL_SOCK_SK
/* Linux 7.2, 7.1.5 and some distributions' 7.0: the UDP tunnel socket
 * is set up, and released, by its struct sock (each on its own: a
 * distribution may have backported one without the other).
 */
static inline void fou_setup_udp_tunnel_sock(struct net *net, struct sock *sk,
					     struct udp_tunnel_sock_cfg *cfg)
{
	setup_udp_tunnel_sock(net, sk, cfg);
}
#else
static inline void fou_setup_udp_tunnel_sock(struct net *net, struct sock *sk,
					     struct udp_tunnel_sock_cfg *cfg)
{
	setup_udp_tunnel_sock(net, sk->sk_socket, cfg);
}
#endif

#ifdef FOU_HAVE_UDP_TUNNEL_SOCK_RELEASE_SK
static inline void fou_udp_tunnel_sock_release(struct sock *sk)
{
	udp_tunnel_sock_release(sk);
}
#else
static inline void fou_udp_tunnel_sock_release(struct sock *sk)
{
	udp_tunnel_sock_release(sk->sk_socket);
}
#endif

#ifdef FOU_HAVE_UDP_TUNNEL_XMIT_IPCB_FLAGS
/* Linux 6.17 and later: the flags to set in the outer packet's IP control
 * block; none, as before.
 */
static inline void fou_udp_tunnel_xmit_skb(struct rtable *rt, struct sock *sk,
					   struct sk_buff *skb, __be32 src,
					   __be32 dst, u8 tos, u8 ttl,
					   __be16 df, __be16 sport,
					   __be16 dport, bool xnet,
					   bool nocheck)
{
	udp_tunnel_xmit_skb(rt, sk, skb, src, dst, tos, ttl, df, sport, dport,
			    xnet, nocheck, 0);
}
#else
static inline void fou_udp_tunnel_xmit_skb(struct rtable *rt, struct sock *sk,
					   struct sk_buff *skb, __be32 src,
					   __be32 dst, u8 tos, u8 ttl,
					   __be16 df, __be16 sport,
					   __be16 dport, bool xnet,
					   bool nocheck)
{
	udp_tunnel_xmit_skb(rt, sk, skb, src, dst, tos, ttl, df, sport, dport,
			    xnet, nocheck);
}
#endif

#ifdef FOU_HAVE_UDP_TUNNEL6_XMIT_IP6CB_FLAGS
/* Linux 6.17 and later: the same for IPv6 (IP6CB). */
static inline void fou_udp_tunnel6_xmit_skb(struct dst_entry *dst,
					    struct sock *sk,
					    struct sk_buff *skb,
					    struct net_device *dev,
					    struct in6_addr *saddr,
					    struct in6_addr *daddr, u8 prio,
					    u8 ttl, __be32 label,
					    __be16 sport, __be16 dport,
					    bool nocheck)
{
	udp_tunnel6_xmit_skb(dst, sk, skb, dev, saddr, daddr, prio, ttl,
			     label, sport, dport, nocheck, 0);
}
#else
static inline void fou_udp_tunnel6_xmit_skb(struct dst_entry *dst,
					    struct sock *sk,
					    struct sk_buff *skb,
					    struct net_device *dev,
					    struct in6_addr *saddr,
					    struct in6_addr *daddr, u8 prio,
					    u8 ttl, __be32 label,
					    __be16 sport, __be16 dport,
					    bool nocheck)
{
	udp_tunnel6_xmit_skb(dst, sk, skb, dev, saddr, daddr, prio, ttl,
			     label, sport, dport, nocheck);
}
#endif

/* rtnl_link_ops' newlink, in the kernel's form, around fou_dev.c's
 * configure, which takes the device's link namespace and attributes.
 */
static int fou_dev_configure(struct net *net, struct net_device *dev,
			     struct nlattr *tb[], struct nlattr *data[],
			     struct netlink_ext_ack *extack);

#ifdef FOU_HAVE_RTNL_NEWLINK_PARAMS
/* Linux 6.15 and later: newlink's parameters in one struct. */
static inline int fou_dev_newlink(struct net_device *dev,
				  struct rtnl_newlink_params *params,
				  struct netlink_ext_ack *extack)
{
	return fou_dev_configure(rtnl_newlink_link_net(params), dev,
				 params->tb, params->data, extack);
}
#else
static inline int fou_dev_newlink(struct net *net, struct net_device *dev,
				  struct nlattr *tb[], struct nlattr *data[],
				  struct netlink_ext_ack *extack)
{
	return fou_dev_configure(net, dev, tb, data, extack);
}
#endif

#endif /* FOU_COMPAT_H */

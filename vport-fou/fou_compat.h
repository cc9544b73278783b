/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels fou_dev is built for, Linux 6.1 (from
 * 6.1.120) to 7.x, for the out-of-tree module only.  fou_dev.c calls the
 * newest kernel's API wherever one call can say what every kernel needs,
 * and an older kernel's function of the same name that takes other
 * arguments is given a function-like macro of that name below, which
 * turns the newest kernel's call into that kernel's (the preprocessor
 * does not expand a macro within its own expansion, so the call inside it
 * is the kernel's function).  Where the kernels differ in more than a
 * call, a fou_* helper holds each kernel's statement; the in-tree series
 * (utilities/ovs-fou-linux-series) writes each such statement where its
 * helper is called, so that the in-tree driver calls its tree's own API
 * and has none of this.
 *
 * Each difference is keyed on what the kernel provides, not on version
 * numbers, so that a distribution kernel with a change backported builds
 * too: where a header macro tells, #ifdef asks it; where only a
 * declaration changed, Kbuild reads the declaration in the kernel's
 * headers and defines FOU_HAVE_*.  The versions named are the first with
 * each change: a mainline release, or a stable update.
 */
#ifndef FOU_COMPAT_H
#define FOU_COMPAT_H

#include <linux/netdevice.h>
#include <net/dst_metadata.h>
#include <net/ip6_route.h>
#include <net/ip_tunnels.h>
#include <net/rtnetlink.h>
#include <net/udp_tunnel.h>

#ifndef FOU_HAVE_PCPU_STAT_TYPE
#error "fou_dev needs Linux 6.7 or later, or 6.1.120 or a later 6.1: a kernel that allocates a device's statistics by their type (pcpu_stat_type)"
#endif

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
#else
static inline bool fou_tun_csum(const struct ip_tunnel_key *key)
{
	return key->tun_flags & TUNNEL_CSUM;
}

static inline bool fou_tun_df(const struct ip_tunnel_key *key)
{
	return key->tun_flags & TUNNEL_DONT_FRAGMENT;
}

/* The received packet's tunnel flags, as fou_dev.c declares them for the
 * bitmap: an array of one, so that its "= { }" compiles.
 */
#define IP_TUNNEL_DECLARE_FLAGS(name) __be16 name[1]
#define udp_tun_rx_dst(skb, family, flags, tunnel_id, md_size) \
	udp_tun_rx_dst(skb, family, (flags)[0], tunnel_id, md_size)
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

#ifndef FOU_HAVE_SETUP_UDP_TUNNEL_SOCK_SK
/* Before Linux 7.2, 7.1.5 and some distributions' 7.0, the UDP tunnel
 * socket is set up, and released, by its struct socket (each on its own:
 * a distribution may have backported one without the other).
 */
#define setup_udp_tunnel_sock(net, sk, cfg) \
	setup_udp_tunnel_sock(net, (sk)->sk_socket, cfg)
#endif

#ifndef FOU_HAVE_UDP_TUNNEL_SOCK_RELEASE_SK
#define udp_tunnel_sock_release(sk) udp_tunnel_sock_release((sk)->sk_socket)
#endif

#ifndef FOU_HAVE_UDP_TUNNEL_XMIT_IPCB_FLAGS
/* Before Linux 6.17: no flags for the outer packet's IP control block. */
#define udp_tunnel_xmit_skb(rt, sk, skb, src, dst, tos, ttl, df, sport, \
			    dport, xnet, nocheck, ipcb_flags) \
	udp_tunnel_xmit_skb(rt, sk, skb, src, dst, tos, ttl, df, sport, \
			    dport, xnet, nocheck)
#endif

#ifndef FOU_HAVE_UDP_TUNNEL6_XMIT_IP6CB_FLAGS
/* Before Linux 6.17: the same for IPv6 (IP6CB). */
#define udp_tunnel6_xmit_skb(dst, sk, skb, dev, saddr, daddr, prio, ttl, \
			     label, sport, dport, nocheck, ip6cb_flags) \
	udp_tunnel6_xmit_skb(dst, sk, skb, dev, saddr, daddr, prio, ttl, \
			     label, sport, dport, nocheck)
#endif

#if defined(FOU_HAVE_UDP_TUNNEL6_DST_LOOKUP_PORTS) && \
	!defined(FOU_HAVE_UDP_TUNNEL6_DST_LOOKUP_SK)
/* Linux 6.8 to 7.1: the IPv6 route lookup takes the struct socket. */
#define udp_tunnel6_dst_lookup(skb, dev, net, sk, oif, saddr, key, sport, \
			       dport, dsfield, dst_cache) \
	udp_tunnel6_dst_lookup(skb, dev, net, (sk)->sk_socket, oif, saddr, \
			       key, sport, dport, dsfield, dst_cache)
#elif !defined(FOU_HAVE_UDP_TUNNEL6_DST_LOOKUP_PORTS)
/* Linux 6.1: the IPv6 route lookup leaves the UDP ports out of the flow,
 * which policy routing, multipath hashing and IPsec policies by port
 * need; this is Linux 6.8's, with them.
 */
static inline struct dst_entry *
fou_udp_tunnel6_dst_lookup(struct sk_buff *skb, struct net_device *dev,
			   struct net *net, struct sock *sk, int oif,
			   struct in6_addr *saddr,
			   const struct ip_tunnel_key *key, __be16 sport,
			   __be16 dport, u8 dsfield,
			   struct dst_cache *dst_cache)
{
	struct dst_entry *dst;
	struct flowi6 fl6;

	if (dst_cache) {
		dst = dst_cache_get_ip6(dst_cache, saddr);
		if (dst)
			return dst;
	}

	memset(&fl6, 0, sizeof(fl6));
	fl6.flowi6_mark = skb->mark;
	fl6.flowi6_proto = IPPROTO_UDP;
	fl6.flowi6_oif = oif;
	fl6.daddr = key->u.ipv6.dst;
	fl6.saddr = key->u.ipv6.src;
	fl6.fl6_sport = sport;
	fl6.fl6_dport = dport;
	fl6.flowlabel = ip6_make_flowinfo(dsfield, key->label);

	dst = ip6_dst_lookup_flow(net, sk, &fl6, NULL);
	if (IS_ERR(dst))
		return ERR_PTR(-ENETUNREACH);
	if (dst->dev == dev) {
		dst_release(dst);
		return ERR_PTR(-ELOOP);
	}
	if (dst_cache)
		dst_cache_set_ip6(dst_cache, dst, &fl6.saddr);
	*saddr = fl6.saddr;
	return dst;
}

#define udp_tunnel6_dst_lookup fou_udp_tunnel6_dst_lookup
#endif

/* rtnl_link_ops' newlink, in the kernel's form, around fou_dev.c's
 * configure, which takes the device's link namespace and attributes.
 * (The in-tree series puts it right after fou_dev_configure().)
 */
static int fou_dev_configure(struct net *net, struct net_device *dev,
			     struct nlattr *tb[], struct nlattr *data[],
			     struct netlink_ext_ack *extack);

#ifdef FOU_HAVE_RTNL_NEWLINK_PARAMS
/* Linux 6.15 and later: newlink's parameters in one struct. */
static int fou_dev_newlink(struct net_device *dev,
			   struct rtnl_newlink_params *params,
			   struct netlink_ext_ack *extack)
{
	return fou_dev_configure(rtnl_newlink_link_net(params), dev,
				 params->tb, params->data, extack);
}
#else
static int fou_dev_newlink(struct net *net, struct net_device *dev,
			   struct nlattr *tb[], struct nlattr *data[],
			   struct netlink_ext_ack *extack)
{
	return fou_dev_configure(net, dev, tb, data, extack);
}
#endif

#endif /* FOU_COMPAT_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * fou_dev: a collect-metadata Foo-over-UDP (FOU) and Generic UDP
 * Encapsulation (GUE) network device, for Open vSwitch's kernel datapath.
 *
 * The kernel's own FOU ("ip fou add", net/ipv4/fou_core.c) hands received
 * packets to ipip, sit or ip6tnl devices, whose type, ARPHRD_TUNNEL, the
 * openvswitch datapath does not accept.  This device is ARPHRD_NONE and in
 * collect-metadata mode, like bareudp: it takes the outer addresses from
 * the skb's tunnel metadata on transmit and puts them there on receive, so
 * one device per UDP port serves every remote.  On the wire it is
 * byte-compatible with the kernel's FOU and GUE.
 *
 *   outer IP | UDP | inner IPv4, IPv6 or MPLS          (FOU, "direct")
 *   outer IP | UDP | GUE header | inner packet         (GUE variant 0)
 *   outer IP | UDP | inner IPv4 or IPv6                 (GUE variant 1)
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <net/dst_metadata.h>
#include <net/gro_cells.h>
#include <net/gue.h>
#include <net/ip6_tunnel.h>
#include <net/ip_tunnels.h>
#include <net/mpls.h>
#include <net/netns/generic.h>
#include <net/rtnetlink.h>
#include <net/udp_tunnel.h>

#include "fou_compat.h"
#include "fou_dev.h"

#define FOU_DEV_DEFAULT_PORT	5555
#define FOU_DEV_IPV4_HLEN	(sizeof(struct iphdr) + sizeof(struct udphdr))
#define FOU_DEV_IPV6_HLEN	(sizeof(struct ipv6hdr) + sizeof(struct udphdr))

static unsigned int fou_dev_net_id;

/* Per network namespace: the devices, to refuse a second one on a port. */
struct fou_dev_net {
	struct list_head devs;
};

struct fou_dev_conf {
	__be16 port;
	u8 encap;			/* FOU_DEV_ENCAP_* */
	u8 ipproto;			/* 0: IPv4 or IPv6 by the version */
};

struct fou_dev {
	struct net *net;		/* Where the UDP socket lives. */
	struct net_device *dev;
	struct fou_dev_conf conf;
	struct sock __rcu *sk4;		/* One UDP socket per family, as the */
	struct sock __rcu *sk6;		/* kernel's FOU has, all addresses. */
	struct list_head next;		/* In fou_dev_net's 'devs'. */
	struct gro_cells gro_cells;
};

/* Receive. */

/* The Ethernet type of inner IP protocol 'ipproto', checked against the
 * version nibble of the inner packet where there is one; 0 if the packet
 * cannot be what 'ipproto' says.
 */
static __be16 fou_dev_inner_type(u8 ipproto, u8 first_byte)
{
	u8 version = first_byte >> 4;

	if (!ipproto)
		ipproto = version == 4 ? IPPROTO_IPIP :
			  version == 6 ? IPPROTO_IPV6 : 0;

	switch (ipproto) {
	case IPPROTO_IPIP:
		return version == 4 ? htons(ETH_P_IP) : 0;
	case IPPROTO_IPV6:
		return version == 6 ? htons(ETH_P_IPV6) : 0;
	case IPPROTO_MPLS:
		return htons(ETH_P_MPLS_UC);
	default:
		return 0;
	}
}

/* Parses the GUE header after the UDP header of 'skb', as the kernel's GUE
 * receive does: variant 0 with its flags validated, or variant 1.  Stores
 * the length to pull and the inner Ethernet type; returns 0, or -EINVAL to
 * drop the packet.
 *
 * A pull may move the skb's head, so 'gh' is derived again after each one,
 * and the second pull takes the header, its extension fields and the inner
 * packet's first byte at once.
 */
static int fou_dev_gue_parse(struct sk_buff *skb, size_t *hlen,
			     __be16 *inner)
{
	size_t udp = sizeof(struct udphdr);
	struct guehdr *gh;
	size_t optlen;

	if (!pskb_may_pull(skb, udp + sizeof(*gh)))
		return -EINVAL;
	gh = (struct guehdr *)(skb->data + udp);

	switch (gh->version) {
	case 0:
		break;
	case 1:
		*hlen = 0;
		*inner = fou_dev_inner_type(0, *(u8 *)gh);
		return *inner ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}

	if (gh->control)	/* No control messages are known. */
		return -EINVAL;

	optlen = gh->hlen << 2;
	*hlen = sizeof(*gh) + optlen;
	if (!pskb_may_pull(skb, udp + *hlen + 1))
		return -EINVAL;
	gh = (struct guehdr *)(skb->data + udp);

	if (validate_gue_flags(gh, optlen))
		return -EINVAL;
	/* Remote checksum offload, the one private flag known, would leave the
	 * inner checksum to us.
	 */
	if ((gh->flags & GUE_FLAG_PRIV) && *(__be32 *)(gh + 1))
		return -EINVAL;

	if (!gh->proto_ctype)	/* Not "by the IP version", as for FOU. */
		return -EINVAL;
	*inner = fou_dev_inner_type(gh->proto_ctype, skb->data[udp + *hlen]);
	return *inner ? 0 : -EINVAL;
}

/* Whether the inner packet at 'skb->data' has a whole first header: an IP
 * header, or an MPLS label stack entry.
 */
static bool fou_dev_inner_may_pull(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_MPLS_UC))
		return pskb_may_pull(skb, MPLS_HLEN);
	return pskb_inet_may_pull(skb);
}

/* The UDP socket's encap_rcv: 'skb->data' is at the UDP header. */
static int fou_dev_udp_encap_recv(struct sock *sk, struct sk_buff *skb)
{
	IP_TUNNEL_DECLARE_FLAGS(flags) = { };
	struct metadata_dst *tun_dst;
	struct fou_dev *fou;
	unsigned short family;
	size_t hlen = 0;
	__be16 inner;
	void *oiph;
	int err, nh;

	fou = rcu_dereference_sk_user_data(sk);
	if (!fou)
		goto drop;
	family = skb->protocol == htons(ETH_P_IP) ? AF_INET : AF_INET6;

	if (fou->conf.encap == FOU_DEV_ENCAP_GUE) {
		if (fou_dev_gue_parse(skb, &hlen, &inner))
			goto drop_stat;
	} else {
		if (!pskb_may_pull(skb, sizeof(struct udphdr) + 1))
			goto drop_stat;
		inner = fou_dev_inner_type(fou->conf.ipproto,
					   skb->data[sizeof(struct udphdr)]);
		if (!inner)
			goto drop_stat;
	}

	if (iptunnel_pull_header(skb, sizeof(struct udphdr) + hlen, inner,
				 !net_eq(fou->net, dev_net(fou->dev))))
		goto drop_stat;

	/* No key: tunnels are told apart by their addresses and ports. */
	tun_dst = udp_tun_rx_dst(skb, family, flags, 0, 0);
	if (!tun_dst)
		goto drop_stat;
	skb_dst_set(skb, &tun_dst->dst);
	skb->dev = fou->dev;
	skb_reset_mac_header(skb);

	/* The outer header, before the network header moves to the inner. */
	nh = skb_network_header(skb) - skb->head;
	skb_reset_network_header(skb);
	if (!fou_dev_inner_may_pull(skb)) {
		DEV_STATS_INC(fou->dev, rx_length_errors);
		DEV_STATS_INC(fou->dev, rx_errors);
		goto drop;
	}
	oiph = skb->head + nh;

	if (inner != htons(ETH_P_MPLS_UC)) {
		if (family == AF_INET)
			err = IP_ECN_decapsulate(oiph, skb);
		else
			err = IP6_ECN_decapsulate(oiph, skb);
		if (unlikely(err > 1)) {
			DEV_STATS_INC(fou->dev, rx_frame_errors);
			DEV_STATS_INC(fou->dev, rx_errors);
			goto drop;
		}
	}

	hlen = skb->len;
	if (likely(gro_cells_receive(&fou->gro_cells, skb) == NET_RX_SUCCESS))
		dev_sw_netstats_rx_add(fou->dev, hlen);
	return 0;

drop_stat:
	if (fou)
		DEV_STATS_INC(fou->dev, rx_dropped);
drop:
	kfree_skb(skb);
	return 0;
}

static int fou_dev_err_lookup(struct sock *sk, struct sk_buff *skb)
{
	return 0;
}

/* Device init and uninit. */

static int fou_dev_init(struct net_device *dev)
{
	struct fou_dev *fou = netdev_priv(dev);

	return gro_cells_init(&fou->gro_cells, dev);
}

static void fou_dev_uninit(struct net_device *dev)
{
	struct fou_dev *fou = netdev_priv(dev);

	gro_cells_destroy(&fou->gro_cells);
}

/* The UDP socket. */

static struct sock *fou_dev_sock_open(struct fou_dev *fou, int family)
{
	struct udp_tunnel_sock_cfg tunnel_cfg = {};
	struct udp_port_cfg udp_conf = {};
	struct socket *sock;
	int err;

	udp_conf.family = family;
	udp_conf.local_udp_port = fou->conf.port;
	/* The IPv6 socket takes only IPv6, whatever net.ipv6.bindv6only
	 * says: IPv4 has a socket of its own.
	 */
	udp_conf.ipv6_v6only = 1;
	/* Linux's FOU over IPv6 sends zero checksums by default. */
	udp_conf.use_udp6_rx_checksums = false;
	err = udp_sock_create(fou->net, &udp_conf, &sock);
	if (err < 0)
		return ERR_PTR(err);
	/* UDP GSO and fraglist packets are accepted, as bareudp does.  That is
	 * safe only because udp_unexpected_gso() still finds any GSO packet
	 * without SKB_GSO_UDP_TUNNEL(_CSUM) unexpected on a socket with an
	 * encap_rcv, so that udp_queue_rcv_skb() segments it and encap_rcv
	 * sees one datagram, one FOU packet, at a time (Linux 6.1 to 7.3).
	 */
	udp_allow_gso(sock->sk);

	tunnel_cfg.sk_user_data = fou;
	tunnel_cfg.encap_type = 1;
	tunnel_cfg.encap_rcv = fou_dev_udp_encap_recv;
	tunnel_cfg.encap_err_lookup = fou_dev_err_lookup;
	setup_udp_tunnel_sock(fou->net, sock->sk, &tunnel_cfg);
	return sock->sk;
}

static void fou_dev_sock_release(struct fou_dev *fou)
{
	struct sock *sk4 = rtnl_dereference(fou->sk4);
	struct sock *sk6 = rtnl_dereference(fou->sk6);

	rcu_assign_pointer(fou->sk4, NULL);
	rcu_assign_pointer(fou->sk6, NULL);
	synchronize_net();
	if (sk4)
		udp_tunnel_sock_release(sk4);
	if (sk6)
		udp_tunnel_sock_release(sk6);
}

static int fou_dev_sock_create(struct fou_dev *fou)
{
	struct sock *sk;

	sk = fou_dev_sock_open(fou, AF_INET);
	if (IS_ERR(sk))
		return PTR_ERR(sk);
	rcu_assign_pointer(fou->sk4, sk);
	if (!ipv6_mod_enabled())
		return 0;

	sk = fou_dev_sock_open(fou, AF_INET6);
	if (IS_ERR(sk)) {
		fou_dev_sock_release(fou);
		return PTR_ERR(sk);
	}
	rcu_assign_pointer(fou->sk6, sk);
	return 0;
}

/* Open and stop. */

static int fou_dev_open(struct net_device *dev)
{
	int err = fou_dev_sock_create(netdev_priv(dev));

	if (err == -EADDRINUSE)
		netdev_err(dev, "UDP port %u is already in use\n",
			   ntohs(((struct fou_dev *)netdev_priv(dev))->conf.port));
	return err;
}

static int fou_dev_stop(struct net_device *dev)
{
	fou_dev_sock_release(netdev_priv(dev));
	return 0;
}

/* Transmit. */

/* The IP protocol number of the inner packet, 0 if this device must not
 * send it.
 */
static u8 fou_dev_tx_ipproto(const struct fou_dev *fou, __be16 protocol)
{
	u8 ipproto;

	switch (ntohs(protocol)) {
	case ETH_P_IP:
		ipproto = IPPROTO_IPIP;
		break;
	case ETH_P_IPV6:
		ipproto = IPPROTO_IPV6;
		break;
	case ETH_P_MPLS_UC:
		ipproto = IPPROTO_MPLS;
		break;
	default:
		return 0;
	}
	if (fou->conf.encap == FOU_DEV_ENCAP_GUE)
		return ipproto;
	/* Direct FOU has no protocol field: a peer configured for one protocol
	 * drops the others, and one that tells IPv4 from IPv6 by the version
	 * nibble cannot recognise MPLS.
	 */
	if (fou->conf.ipproto)
		return fou->conf.ipproto == ipproto ? ipproto : 0;
	return ipproto == IPPROTO_MPLS ? 0 : ipproto;
}

/* Makes room for, and with GUE pushes, what goes between the UDP header and
 * the inner packet; 'skb->data' is at the inner network header.
 */
static int fou_dev_push_encap(struct sk_buff *skb, struct fou_dev *fou,
			      u8 ipproto, bool udp_sum, unsigned int headroom)
{
	struct guehdr *gh;
	int err;

	err = skb_cow_head(skb, headroom);
	if (unlikely(err))
		return err;
	err = udp_tunnel_handle_offloads(skb, udp_sum);
	if (err)
		return err;
	skb_set_inner_protocol(skb, skb->protocol);

	if (fou->conf.encap == FOU_DEV_ENCAP_GUE) {
		gh = __skb_push(skb, sizeof(*gh));
		gh->word = 0;
		gh->proto_ctype = ipproto;
	}
	return 0;
}

/* The UDP source port: the flow's hash in the host's local port range
 * (net.ipv4.ip_local_port_range, 32768-60999 by default), as the kernel's
 * FOU chooses it, and as OVS's userspace datapath does by default.
 */
static __be16 fou_dev_sport(const struct fou_dev *fou, struct sk_buff *skb)
{
	return udp_flow_src_port(fou->net, skb, 0, 0, false);
}

static unsigned int fou_dev_encap_len(const struct fou_dev *fou)
{
	return fou->conf.encap == FOU_DEV_ENCAP_GUE ? sizeof(struct guehdr) : 0;
}

static int fou_dev_xmit4(struct sk_buff *skb, struct net_device *dev,
			 struct fou_dev *fou, const struct ip_tunnel_info *info,
			 u8 ipproto)
{
	bool xnet = !net_eq(fou->net, dev_net(dev));
	bool use_cache = ip_tunnel_dst_cache_usable(skb, info);
	struct sock *sk = rcu_dereference(fou->sk4);
	bool udp_sum = fou_tun_csum(&info->key);
	const struct ip_tunnel_key *key = &info->key;
	unsigned int encap = fou_dev_encap_len(fou);
	struct rtable *rt;
	__be16 sport, df;
	__be32 saddr;
	u8 tos;
	int err;

	if (!sk)
		return -ESHUTDOWN;

	sport = fou_dev_sport(fou, skb);
	rt = udp_tunnel_dst_lookup(skb, dev, fou->net, 0, &saddr, key, sport,
				   fou->conf.port, key->tos,
				   use_cache ? (struct dst_cache *)&info->dst_cache
					     : NULL);
	if (IS_ERR(rt))
		return PTR_ERR(rt);

	skb_tunnel_check_pmtu(skb, &rt->dst, FOU_DEV_IPV4_HLEN + encap, false);

	tos = ip_tunnel_ecn_encap(key->tos, ip_hdr(skb), skb);
	df = fou_tun_df(key) ? htons(IP_DF) : 0;
	skb_scrub_packet(skb, xnet);

	err = -ENOSPC;
	if (!skb_pull(skb, skb_network_offset(skb)))
		goto free_dst;

	err = fou_dev_push_encap(skb, fou, ipproto, udp_sum,
				 LL_RESERVED_SPACE(rt->dst.dev) +
				 rt->dst.header_len + FOU_DEV_IPV4_HLEN +
				 encap);
	if (err)
		goto free_dst;

	udp_tunnel_xmit_skb(rt, sk, skb, saddr, key->u.ipv4.dst, tos, key->ttl,
			    df, sport, fou->conf.port, xnet, !udp_sum, 0);
	return 0;

free_dst:
	dst_release(&rt->dst);
	return err;
}

static int fou_dev_xmit6(struct sk_buff *skb, struct net_device *dev,
			 struct fou_dev *fou, const struct ip_tunnel_info *info,
			 u8 ipproto)
{
	bool xnet = !net_eq(fou->net, dev_net(dev));
	bool use_cache = ip_tunnel_dst_cache_usable(skb, info);
	struct sock *sk = rcu_dereference(fou->sk6);
	bool udp_sum = fou_tun_csum(&info->key);
	const struct ip_tunnel_key *key = &info->key;
	unsigned int encap = fou_dev_encap_len(fou);
	struct in6_addr saddr, daddr;
	struct dst_entry *dst;
	__be16 sport;
	u8 prio;
	int err;

	/* With IPv6 disabled (ipv6.disable=1) an IPv6 tunnel has no route;
	 * the key's IPv4 addresses would be bytes of its IPv6 source.
	 */
	if (!ipv6_mod_enabled())
		return -EAFNOSUPPORT;
	if (!sk)
		return -ESHUTDOWN;

	sport = fou_dev_sport(fou, skb);
	dst = udp_tunnel6_dst_lookup(skb, dev, fou->net, sk, 0, &saddr, key,
				     sport, fou->conf.port, key->tos,
				     use_cache ?
				     (struct dst_cache *)&info->dst_cache :
				     NULL);
	if (IS_ERR(dst))
		return PTR_ERR(dst);

	skb_tunnel_check_pmtu(skb, dst, FOU_DEV_IPV6_HLEN + encap, false);

	prio = ip_tunnel_ecn_encap(key->tos, ip_hdr(skb), skb);
	skb_scrub_packet(skb, xnet);

	err = -ENOSPC;
	if (!skb_pull(skb, skb_network_offset(skb)))
		goto free_dst;

	err = fou_dev_push_encap(skb, fou, ipproto, udp_sum,
				 LL_RESERVED_SPACE(dst->dev) + dst->header_len +
				 FOU_DEV_IPV6_HLEN + encap);
	if (err)
		goto free_dst;

	daddr = key->u.ipv6.dst;
	udp_tunnel6_xmit_skb(dst, sk, skb, dev, &saddr, &daddr, prio, key->ttl,
			     key->label, sport, fou->conf.port, !udp_sum, 0);
	return 0;

free_dst:
	dst_release(dst);
	return err;
}

static netdev_tx_t fou_dev_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct fou_dev *fou = netdev_priv(dev);
	struct ip_tunnel_info *info;
	u8 ipproto;
	int err;

	ipproto = fou_dev_tx_ipproto(fou, skb->protocol);
	info = skb_tunnel_info(skb);
	if (unlikely(!ipproto || !info || !(info->mode & IP_TUNNEL_INFO_TX))) {
		err = -EINVAL;
		goto tx_error;
	}
	if (skb_vlan_inet_prepare(skb, true)) {
		err = -EINVAL;
		goto tx_error;
	}

	rcu_read_lock();
	if (info->mode & IP_TUNNEL_INFO_IPV6)
		err = fou_dev_xmit6(skb, dev, fou, info, ipproto);
	else
		err = fou_dev_xmit4(skb, dev, fou, info, ipproto);
	rcu_read_unlock();

	if (likely(!err))
		return NETDEV_TX_OK;
tx_error:
	dev_kfree_skb(skb);
	if (err == -ELOOP)
		DEV_STATS_INC(dev, collisions);
	else if (err == -ENETUNREACH)
		DEV_STATS_INC(dev, tx_carrier_errors);
	DEV_STATS_INC(dev, tx_errors);
	return NETDEV_TX_OK;
}

/* For the datapath's "egress tunnel info": the addresses and ports that a
 * packet with these tunnel metadata would be sent with.
 */
static int fou_dev_fill_metadata_dst(struct net_device *dev,
				     struct sk_buff *skb)
{
	struct ip_tunnel_info *info = skb_tunnel_info(skb);
	struct fou_dev *fou = netdev_priv(dev);
	bool use_cache = ip_tunnel_dst_cache_usable(skb, info);
	__be16 sport = fou_dev_sport(fou, skb);

	if (ip_tunnel_info_af(info) == AF_INET) {
		struct rtable *rt;
		__be32 saddr;

		rt = udp_tunnel_dst_lookup(skb, dev, fou->net, 0, &saddr,
					   &info->key, sport, fou->conf.port,
					   info->key.tos,
					   use_cache ? &info->dst_cache : NULL);
		if (IS_ERR(rt))
			return PTR_ERR(rt);
		ip_rt_put(rt);
		info->key.u.ipv4.src = saddr;
	} else {
		struct sock *sk = rcu_dereference(fou->sk6);
		struct dst_entry *dst;
		struct in6_addr saddr;

		/* As in fou_dev_xmit6(). */
		if (!ipv6_mod_enabled())
			return -EAFNOSUPPORT;
		if (!sk)
			return -ESHUTDOWN;
		dst = udp_tunnel6_dst_lookup(skb, dev, fou->net, sk, 0, &saddr,
					     &info->key, sport, fou->conf.port,
					     info->key.tos,
					     use_cache ? &info->dst_cache : NULL);
		if (IS_ERR(dst))
			return PTR_ERR(dst);
		dst_release(dst);
		info->key.u.ipv6.src = saddr;
	}

	info->key.tp_src = sport;
	info->key.tp_dst = fou->conf.port;
	return 0;
}

static const struct net_device_ops fou_dev_netdev_ops = {
	.ndo_init		= fou_dev_init,
	.ndo_uninit		= fou_dev_uninit,
	.ndo_open		= fou_dev_open,
	.ndo_stop		= fou_dev_stop,
	.ndo_start_xmit		= fou_dev_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
	.ndo_fill_metadata_dst	= fou_dev_fill_metadata_dst,
};

/* Netlink. */

static const struct nla_policy fou_dev_policy[IFLA_FOU_MAX + 1] = {
	[IFLA_FOU_PORT]		= { .type = NLA_U16 },
	[IFLA_FOU_ENCAP]	= { .type = NLA_U8 },
	[IFLA_FOU_IPPROTO]	= { .type = NLA_U8 },
};

static const struct device_type fou_dev_type = {
	.name = "fou",
};

static void fou_dev_setup(struct net_device *dev)
{
	dev->netdev_ops = &fou_dev_netdev_ops;
	dev->needs_free_netdev = true;
	SET_NETDEV_DEVTYPE(dev, &fou_dev_type);
	dev->features |= NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_FRAGLIST |
			 NETIF_F_RXCSUM | NETIF_F_GSO_SOFTWARE;
	fou_set_lltx(dev);
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
	dev->hw_features |= NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_FRAGLIST |
			    NETIF_F_RXCSUM | NETIF_F_GSO_SOFTWARE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->mtu = ETH_DATA_LEN;
	dev->min_mtu = IPV4_MIN_MTU;
	dev->max_mtu = IP_MAX_MTU - FOU_DEV_IPV6_HLEN - sizeof(struct guehdr);
	dev->type = ARPHRD_NONE;
	netif_keep_dst(dev);
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP | IFF_MULTICAST;
}

static int fou_dev_conf_from_nl(struct nlattr *data[],
				struct fou_dev_conf *conf,
				struct netlink_ext_ack *extack)
{
	conf->port = htons(FOU_DEV_DEFAULT_PORT);
	conf->encap = FOU_DEV_ENCAP_DIRECT;
	conf->ipproto = 0;
	if (!data)
		return 0;

	if (data[IFLA_FOU_PORT])
		conf->port = nla_get_be16(data[IFLA_FOU_PORT]);
	if (!conf->port) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_FOU_PORT],
				    "UDP port must not be 0");
		return -EINVAL;
	}
	if (data[IFLA_FOU_ENCAP])
		conf->encap = nla_get_u8(data[IFLA_FOU_ENCAP]);
	if (conf->encap != FOU_DEV_ENCAP_DIRECT &&
	    conf->encap != FOU_DEV_ENCAP_GUE) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_FOU_ENCAP],
				    "encap must be direct (0) or GUE (1)");
		return -EINVAL;
	}
	if (data[IFLA_FOU_IPPROTO])
		conf->ipproto = nla_get_u8(data[IFLA_FOU_IPPROTO]);
	if (conf->ipproto && conf->ipproto != IPPROTO_IPIP &&
	    conf->ipproto != IPPROTO_IPV6 && conf->ipproto != IPPROTO_MPLS) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_FOU_IPPROTO],
				    "ipproto must be 0, 4, 41 or 137");
		return -EINVAL;
	}
	if (conf->ipproto && conf->encap == FOU_DEV_ENCAP_GUE) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_FOU_IPPROTO],
				    "GUE carries the inner protocol itself");
		return -EINVAL;
	}
	return 0;
}

/* newlink's work: the device 'dev' with the attributes 'data', its UDP
 * socket in 'net', the link namespace.
 */
static int fou_dev_configure(struct net *net, struct net_device *dev,
			     struct nlattr *tb[], struct nlattr *data[],
			     struct netlink_ext_ack *extack)
{
	struct fou_dev_net *fn = net_generic(net, fou_dev_net_id);
	struct fou_dev *fou = netdev_priv(dev), *t;
	struct fou_dev_conf conf;
	int err;

	err = fou_dev_conf_from_nl(data, &conf, extack);
	if (err)
		return err;

	list_for_each_entry(t, &fn->devs, next) {
		if (t->conf.port == conf.port) {
			NL_SET_ERR_MSG(extack,
				       "A fou device already uses this UDP port");
			return -EBUSY;
		}
	}

	fou->net = net;
	fou->dev = dev;
	fou->conf = conf;
	err = register_netdevice(dev);
	if (err)
		return err;

	if (tb[IFLA_MTU]) {
		err = dev_set_mtu(dev, nla_get_u32(tb[IFLA_MTU]));
		if (err) {
			unregister_netdevice(dev);
			return err;
		}
	}
	list_add(&fou->next, &fn->devs);
	return 0;
}

static void fou_dev_dellink(struct net_device *dev, struct list_head *head)
{
	struct fou_dev *fou = netdev_priv(dev);

	list_del(&fou->next);
	unregister_netdevice_queue(dev, head);
}

static size_t fou_dev_get_size(const struct net_device *dev)
{
	return nla_total_size(sizeof(__be16)) +	/* IFLA_FOU_PORT */
	       nla_total_size(sizeof(u8)) +	/* IFLA_FOU_ENCAP */
	       nla_total_size(sizeof(u8));	/* IFLA_FOU_IPPROTO */
}

static int fou_dev_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	struct fou_dev *fou = netdev_priv(dev);

	if (nla_put_be16(skb, IFLA_FOU_PORT, fou->conf.port) ||
	    nla_put_u8(skb, IFLA_FOU_ENCAP, fou->conf.encap) ||
	    nla_put_u8(skb, IFLA_FOU_IPPROTO, fou->conf.ipproto))
		return -EMSGSIZE;
	return 0;
}

static struct rtnl_link_ops fou_dev_link_ops __read_mostly = {
	.kind		= "fou",
	.maxtype	= IFLA_FOU_MAX,
	.policy		= fou_dev_policy,
	.priv_size	= sizeof(struct fou_dev),
	.setup		= fou_dev_setup,
	.newlink	= fou_dev_newlink,
	.dellink	= fou_dev_dellink,
	.get_size	= fou_dev_get_size,
	.fill_info	= fou_dev_fill_info,
};

/* Network namespaces. */

static __net_init int fou_dev_init_net(struct net *net)
{
	struct fou_dev_net *fn = net_generic(net, fou_dev_net_id);

	INIT_LIST_HEAD(&fn->devs);
	return 0;
}

static void __net_exit fou_dev_exit_batch_net(struct list_head *net_list)
{
	struct fou_dev *fou, *next;
	struct fou_dev_net *fn;
	struct net *net;
	LIST_HEAD(list);

	rtnl_lock();
	list_for_each_entry(net, net_list, exit_list) {
		fn = net_generic(net, fou_dev_net_id);
		list_for_each_entry_safe(fou, next, &fn->devs, next)
			unregister_netdevice_queue(fou->dev, &list);
	}
	unregister_netdevice_many(&list);
	rtnl_unlock();
}

static struct pernet_operations fou_dev_net_ops = {
	.init = fou_dev_init_net,
	.exit_batch = fou_dev_exit_batch_net,
	.id = &fou_dev_net_id,
	.size = sizeof(struct fou_dev_net),
};

/* Module. */

static int __init fou_dev_init_module(void)
{
	int err;

	err = register_pernet_subsys(&fou_dev_net_ops);
	if (err)
		return err;

	err = rtnl_link_register(&fou_dev_link_ops);
	if (err)
		unregister_pernet_subsys(&fou_dev_net_ops);
	return err;
}
module_init(fou_dev_init_module);

static void __exit fou_dev_exit_module(void)
{
	rtnl_link_unregister(&fou_dev_link_ops);
	unregister_pernet_subsys(&fou_dev_net_ops);
}
module_exit(fou_dev_exit_module);

MODULE_ALIAS_RTNL_LINK("fou");
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Collect-metadata FOU and GUE tunnel device for Open vSwitch");

/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Netlink attributes of the "fou" link kind, a collect-metadata FOU/GUE
 * network device (vport-fou).  In the in-tree series they move to
 * include/uapi/linux/if_link.h; ovs-vswitchd and ovs-fouctl carry their own
 * copy of these numbers, as they do for other link kinds.
 */
#ifndef _UAPI_LINUX_FOU_DEV_H
#define _UAPI_LINUX_FOU_DEV_H

enum {
	IFLA_FOU_UNSPEC,
	IFLA_FOU_PORT,		/* be16: UDP port to receive on (5555) */
	IFLA_FOU_ENCAP,		/* u8: FOU_DEV_ENCAP_* */
	IFLA_FOU_IPPROTO,	/* u8: 4, 41, 137, or 0 for IPv4/IPv6 by version */
	__IFLA_FOU_MAX
};

#define IFLA_FOU_MAX (__IFLA_FOU_MAX - 1)

enum {
	FOU_DEV_ENCAP_DIRECT,	/* The UDP payload is the inner packet. */
	FOU_DEV_ENCAP_GUE,	/* Generic UDP Encapsulation, variant 0 or 1. */
};

#endif /* _UAPI_LINUX_FOU_DEV_H */

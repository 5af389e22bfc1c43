/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Network namespaces of attachments. libxdp finds interfaces by ifindex,
 * which means something only in the namespace the interface lives in, so
 * work on an interface attached from another namespace happens there.
 */
#ifndef MW_NETNS_H
#define MW_NETNS_H

#include <stddef.h>
#include <stdint.h>
#include "modwall.h"

/* Inode number of the caller's network namespace (0 if unknown). */
uint32_t mw_netns_ino(void);
/* Was @v attached from a network namespace other than the caller's? */
int mw_iface_foreign(const struct mw_iface *v);
/* -EXDEV with @err saying where to run the command when @v is foreign, else 0. */
int mw_netns_check(const struct mw_iface *v, const char *ifname, char *err, size_t errlen);
/* The namespace with inode @ino (named under /run/netns, or a process's): an fd, or -1. */
int mw_netns_open(uint32_t ino);
/* The live namespace of a foreign attachment: an fd, -1 if none or gone. */
int mw_netns_other(const struct mw_iface *v);
/* Enter @nsfd: returns an fd of the namespace to go back to, or -1. */
int mw_netns_enter(int nsfd);
/* Go back (and close @home); -1 is a no-op. */
void mw_netns_leave(int home);
/*
 * The MAC of interface @ifindex of network namespace @netns (an inode as
 * struct mw_iface keeps it; 0: the caller's), read there. 0, or -errno
 * (-ENOENT: the namespace is gone).
 */
int mw_iface_hwaddr(uint32_t ifindex, uint32_t netns, uint8_t mac[6]);

#endif /* MW_NETNS_H */

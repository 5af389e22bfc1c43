// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Network namespaces of attachments: libxdp finds interfaces by ifindex,
 * which only means something in the namespace the interface lives in.
 */
#define _GNU_SOURCE	/* setns */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "netns.h"

#define SETERR(...) do { if (err) snprintf(err, errlen, __VA_ARGS__); } while (0)

/* ---- attachments ---- */

uint32_t mw_netns_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (uint32_t)st.st_ino;
}

/* An fd of @path when it is the network namespace with inode @ino. */
static int ns_match(const char *path, uint32_t ino)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && (fstat(fd, &st) || (uint32_t)st.st_ino != ino)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * The network namespace with inode @ino: named under /run/netns (ip netns
 * add), else held by a process. -1 when neither: it is gone, and every
 * interface in it with it.
 */
int mw_netns_open(uint32_t ino)
{
	const char *dirs[] = { "/run/netns", "/proc" };
	struct dirent *de;
	char path[300];
	int fd = -1;
	size_t i;

	for (i = 0; i < 2 && fd < 0; i++) {
		DIR *d = opendir(dirs[i]);

		while (d && fd < 0 && (de = readdir(d))) {
			if (i == 0 ? de->d_name[0] == '.' : (de->d_name[0] < '0' || de->d_name[0] > '9'))
				continue;
			snprintf(path, sizeof(path), i == 0 ? "%s/%s" : "%s/%s/ns/net", dirs[i],
				 de->d_name);
			fd = ns_match(path, ino);
		}
		if (d)
			closedir(d);
	}
	return fd;
}

/* Enter the namespace @nsfd: returns an fd of the namespace to go back to, or -1. */
int mw_netns_enter(int nsfd)
{
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	if (home >= 0 && setns(nsfd, CLONE_NEWNET)) {
		close(home);
		home = -1;
	}
	return home;
}

void mw_netns_leave(int home)
{
	if (home < 0)
		return;
	if (setns(home, CLONE_NEWNET))
		fprintf(stderr, "modwall: warning: returning to the network namespace: %s\n",
			strerror(errno));
	close(home);
}

/* libxdp finds interfaces by ifindex, which only means something in their namespace. */
int mw_iface_foreign(const struct mw_iface *v)
{
	uint32_t here = mw_netns_ino();

	return v->ifindex && v->netns && here && v->netns != here;
}

int mw_netns_check(const struct mw_iface *v, const char *ifname, char *err, size_t errlen)
{
	if (!mw_iface_foreign(v))
		return 0;
	SETERR("%s was attached from another network namespace (net:[%u]; this is net:[%u]): "
	       "run the command there (nsenter --net=...)", ifname, v->netns, mw_netns_ino());
	return -EXDEV;
}

/* The live namespace of an attachment made in another one: its fd, -1 if none or gone. */
int mw_netns_other(const struct mw_iface *v)
{
	return mw_iface_foreign(v) ? mw_netns_open(v->netns) : -1;
}

/* A socket lives in the namespace it was made in: make it there, ask it here. */
int mw_iface_hwaddr(uint32_t ifindex, uint32_t netns, uint8_t mac[6])
{
	struct ifreq ifr;
	int fd, rc = 0;

	if (netns && netns != mw_netns_ino()) {
		int nsfd = mw_netns_open(netns), home;

		if (nsfd < 0)
			return -ENOENT;
		home = mw_netns_enter(nsfd);
		close(nsfd);
		if (home < 0)
			return -EPERM;
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			rc = -errno;
		mw_netns_leave(home);
	} else {
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			rc = -errno;
	}
	if (rc)
		return rc;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = (int)ifindex;
	if (ioctl(fd, SIOCGIFNAME, &ifr) || ioctl(fd, SIOCGIFHWADDR, &ifr))
		rc = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return rc;
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The pin directory: bpffs, the lock, attachment pin names, sharing with a group, removal. */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include "maps.h"
#include "pins.h"

#define SETERR(...) do { if (err) snprintf(err, errlen, __VA_ARGS__); } while (0)

static int is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

int mw_bpffs_ensure(const char *pin_dir, char *err, size_t errlen)
{
	char parent[512], *slash;

	if (is_bpffs(pin_dir))	/* a bpffs mount itself, /sys/fs/bpf say */
		return 0;
	snprintf(parent, sizeof(parent), "%s", pin_dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = 0;
	if (is_bpffs(parent))
		return 0;
	if (!strcmp(pin_dir, MW_PIN_ROOT))
		snprintf(parent, sizeof(parent), "%s", MW_PIN_ROOT);
	if (strcmp(parent, MW_PIN_ROOT)) {
		SETERR("%s is not on a bpffs mount", parent);
		return -ENOTDIR;
	}
	mkdir(MW_PIN_ROOT, 0700);
	if (mount("bpf", MW_PIN_ROOT, "bpf", 0, "mode=0700")) {
		SETERR("mounting bpffs on %s: %s", MW_PIN_ROOT, strerror(errno));
		return -errno;
	}
	return 0;
}

int mw_lock(const char *pin_dir)
{
	int fd = open(pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

void mw_pins_remove(const char *pin_dir)
{
	char path[512];
	size_t i;

	for (i = 0; i < mw_nr_maps; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, mw_map_names[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/%s", pin_dir, MW_MAP_PROGS);
	unlink(path);
	rmdir(pin_dir);
}

/*
 * Let a group read the state: map pins 0640 and the pin directory 0750 in
 * that group, the bpffs root traversable. Readers still need CAP_BPF for
 * the bpf() calls; links stay root's.
 */
int mw_pins_share(const char *pin_dir, const char *group, char *err, size_t errlen)
{
	struct group *g = getgrnam(group);
	char path[512], parent[512], *slash;
	struct stat st;
	size_t i;

	if (!g) {
		SETERR("--group: no group '%s'", group);
		return -EINVAL;
	}
	snprintf(parent, sizeof(parent), "%s", pin_dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = 0;
	if (!stat(parent, &st) && !(st.st_mode & S_IXOTH))
		chmod(parent, (st.st_mode & 07777) | S_IXOTH);
	if (chown(pin_dir, 0, g->gr_gid) || chmod(pin_dir, 0750)) {
		SETERR("--group: %s: %s", pin_dir, strerror(errno));
		return -errno;
	}
	for (i = 0; i < mw_nr_maps; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, mw_map_names[i]);
		if (chown(path, 0, g->gr_gid) || chmod(path, 0640)) {
			SETERR("--group: %s: %s", path, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

void mw_attach_pin_path(const char *pin_dir, const char *ifname, int attach, char *path,
			size_t len)
{
	snprintf(path, len, "%s/%s_%s", pin_dir, attach == MW_ATTACH_EXCLUSIVE ? "link" : "entry",
		 ifname);
}

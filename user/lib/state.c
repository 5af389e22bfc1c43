// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Pinned state: bpffs, map pins, loading, upgrading and unloading. */
#define _GNU_SOURCE	/* setns */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <linux/magic.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <grp.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <xdp/libxdp.h>
#include "state.h"
#include "modwall.skel.h"
#include "entry.skel.h"

#define SETERR(...) do { if (err) snprintf(err, errlen, __VA_ARGS__); } while (0)

static const char *const action_names[] = { "pass", "drop", "observe" };
static const char *const reason_names[MW_NR_REASONS] = {
	"pass", "drop", "observe", "malformed", "no_policy", "not_allowed", "rate_limited",
	"reserved7",
};

const char *mw_action_name(int a)
{
	return a >= 0 && a < MW_ACT_MAX ? action_names[a] : "?";
}

int mw_action_parse(const char *s)
{
	int i;

	for (i = 0; i < MW_ACT_MAX; i++)
		if (!strcmp(s, action_names[i]))
			return i;
	return -1;
}

const char *mw_reason_name(int r)
{
	return r >= 0 && r < MW_NR_REASONS ? reason_names[r] : "?";
}

const char *mw_role_name(int role)
{
	return role == MW_ROLE_WAN ? "wan" : "lan";
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

int mw_bpffs_ensure(const char *pin_dir, char *err, size_t errlen)
{
	char parent[512], *slash;

	snprintf(parent, sizeof(parent), "%s", pin_dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = 0;
	if (is_bpffs(parent))
		return 0;
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

static const char *const map_names[] = {
	MW_MAP_CTL, MW_MAP_CONFIG, MW_MAP_MAC, MW_MAP_OUI, MW_MAP_IP4, MW_MAP_IP6,
	MW_MAP_LPM4, MW_MAP_LPM6, MW_MAP_COUNTERS, MW_MAP_IFCOUNTERS, MW_MAP_SUBJECTS,
	MW_MAP_IFACES, MW_MAP_SYNC, MW_MAP_BINDS, MW_MAP_IMEI, MW_MAP_POLICIES, MW_MAP_ALLOW4,
	MW_MAP_ALLOW6, MW_MAP_BUCKETS, MW_MAP_MACTAB, MW_MAP_OUITAB, MW_MAP_EVENTS,
	MW_MAP_EVCTL, MW_MAP_EVSTATS, MW_MAP_DISCOVERED, MW_MAP_EVGATE,
};
#define NMAPS (sizeof(map_names) / sizeof(map_names[0]))

static int *map_slot(struct mw_maps *m, size_t i)
{
	int *slots[NMAPS] = {
		&m->ctl, &m->config, &m->mac, &m->oui, &m->ip4, &m->ip6, &m->lpm4, &m->lpm6,
		&m->counters, &m->ifcounters, &m->subjects, &m->ifaces, &m->sync, &m->binds,
		&m->imei, &m->policies, &m->allow4, &m->allow6, &m->buckets, &m->mactab,
		&m->ouitab, &m->events, &m->evctl, &m->evstats, &m->discovered, &m->evgate,
	};
	return slots[i];
}

unsigned mw_tab_bits(uint64_t n)
{
	unsigned bits = MW_TAB_MIN_BITS;

	while (bits < MW_TAB_MAX_BITS && (1ull << bits) < 4 * n)
		bits++;
	return bits;
}

static size_t tab_bytes(unsigned bits)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t b = (2ul << bits) * sizeof(struct mw_slot);

	return (b + page - 1) / page * page;
}

/* mmap a table map; its size gives the bits. */
static int map_tab(int fd, const char *name, struct mw_slot **out, unsigned *bits, int prot,
		   char *err, size_t errlen)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	unsigned b = 0;
	void *p;

	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		SETERR("reading %s: %s", name, strerror(errno));
		return -errno;
	}
	while ((2u << b) < info.max_entries)
		b++;
	if ((2u << b) != info.max_entries || b < MW_TAB_MIN_BITS || b > MW_TAB_MAX_BITS) {
		SETERR("%s has %u slots: not twice a power of two", name, info.max_entries);
		return -EPROTO;
	}
	p = mmap(NULL, tab_bytes(b), prot, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		SETERR("mmap of %s: %s", name, strerror(errno));
		return -errno;
	}
	*out = p;
	*bits = b;
	return 0;
}

/*
 * Read-only openers get private copies instead of mmaps (the kernel does
 * not map a read-only map fd): the control word, and the tables in batches.
 */
int mw_read_array(int fd, uint32_t n, size_t vsz, void *out)
{
	__u32 *keys = calloc(n, sizeof(*keys)), batch = 0, done = 0, i;
	int rc = 0;

	if (!keys)
		return -ENOMEM;
	while (done < n) {
		__u32 cnt = n - done;
		LIBBPF_OPTS(bpf_map_batch_opts, o);

		rc = bpf_map_lookup_batch(fd, done ? &batch : NULL, &batch, keys + done,
					  (char *)out + (size_t)done * vsz, &cnt, &o);
		done += cnt;
		if (rc && errno == ENOENT) {
			rc = 0;
			break;
		}
		if (rc || !cnt)
			break;
	}
	free(keys);
	if (!rc && done == n)
		return 0;
	for (i = 0; i < n; i++)
		if (bpf_map_lookup_elem(fd, &i, (char *)out + (size_t)i * vsz))
			return -errno;
	return 0;
}

static int copy_tab(int fd, const char *name, struct mw_slot **out, unsigned *bits, char *err,
		    size_t errlen)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	unsigned b = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		SETERR("reading %s: %s", name, strerror(errno));
		return -errno;
	}
	while ((2u << b) < info.max_entries)
		b++;
	*out = calloc(info.max_entries, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	*bits = b;
	if (mw_read_array(fd, info.max_entries, sizeof(**out), *out)) {
		SETERR("reading %s: %s", name, strerror(errno));
		return -errno;
	}
	return 0;
}

static int maps_finish_ro(struct mw_maps *m, char *err, size_t errlen)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), zero = 0;
	int rc;

	m->ctlm = calloc(1, (size_t)sysconf(_SC_PAGESIZE));
	if (!m->ctlm)
		return -ENOMEM;
	if (bpf_map_lookup_elem(m->ctl, &zero, m->ctlm)) {
		SETERR("reading %s: %s", MW_MAP_CTL, strerror(errno));
		return -errno;
	}
	rc = copy_tab(m->mactab, MW_MAP_MACTAB, &m->mactab_m, &m->mac_bits, err, errlen);
	if (!rc)
		rc = copy_tab(m->ouitab, MW_MAP_OUITAB, &m->ouitab_m, &m->oui_bits, err, errlen);
	if (rc)
		return rc;
	if (bpf_obj_get_info_by_fd(m->subjects, &info, &len)) {
		SETERR("reading %s: %s", MW_MAP_SUBJECTS, strerror(errno));
		return -errno;
	}
	m->max_subjects = info.max_entries;
	m->ncpus = libbpf_num_possible_cpus();
	return 0;
}

static int maps_finish(struct mw_maps *m, char *err, size_t errlen)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	void *p;
	int rc;

	int prot = PROT_READ | PROT_WRITE;

	if (m->readonly)
		return maps_finish_ro(m, err, errlen);
	p = mmap(NULL, sysconf(_SC_PAGESIZE), prot, MAP_SHARED, m->ctl, 0);
	if (p == MAP_FAILED) {
		SETERR("mmap of %s: %s", MW_MAP_CTL, strerror(errno));
		return -errno;
	}
	m->ctlm = p;
	rc = map_tab(m->mactab, MW_MAP_MACTAB, &m->mactab_m, &m->mac_bits, prot, err, errlen);
	if (!rc)
		rc = map_tab(m->ouitab, MW_MAP_OUITAB, &m->ouitab_m, &m->oui_bits, prot, err,
			     errlen);
	if (rc)
		return rc;
	if (bpf_obj_get_info_by_fd(m->subjects, &info, &len)) {
		SETERR("reading %s: %s", MW_MAP_SUBJECTS, strerror(errno));
		return -errno;
	}
	m->max_subjects = info.max_entries;
	m->ncpus = libbpf_num_possible_cpus();
	return 0;
}

void mw_maps_close(struct mw_maps *m)
{
	size_t i;

	if (m->readonly) {
		free(m->ctlm);
		free(m->mactab_m);
		free(m->ouitab_m);
	} else {
		if (m->ctlm)
			munmap(m->ctlm, sysconf(_SC_PAGESIZE));
		if (m->mactab_m)
			munmap(m->mactab_m, tab_bytes(m->mac_bits));
		if (m->ouitab_m)
			munmap(m->ouitab_m, tab_bytes(m->oui_bits));
	}
	m->ctlm = NULL;
	m->mactab_m = m->ouitab_m = NULL;
	for (i = 0; i < NMAPS; i++) {
		int *fd = map_slot(m, i);

		if (*fd > 0)
			close(*fd);
		*fd = -1;
	}
}

static int maps_open(struct mw_maps *m, const char *pin_dir, int readonly, char *err,
		     size_t errlen)
{
	LIBBPF_OPTS(bpf_obj_get_opts, go, .file_flags = readonly ? BPF_F_RDONLY : 0);
	char path[512];
	size_t i;
	int rc;

	memset(m, 0, sizeof(*m));
	m->readonly = readonly;
	for (i = 0; i < NMAPS; i++)
		*map_slot(m, i) = -1;
	for (i = 0; i < NMAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, map_names[i]);
		*map_slot(m, i) = bpf_obj_get_opts(path, &go);
		if (*map_slot(m, i) < 0) {
			rc = -errno;
			if (rc == -ENOENT && i == 0)
				SETERR("modwall is not loaded (no %s); run 'modwall load IFACE'", path);
			else
				SETERR("%s: %s", path, strerror(-rc));
			mw_maps_close(m);
			return rc == -ENOENT && i ? -EIO : rc;
		}
	}
	rc = maps_finish(m, err, errlen);
	if (rc) {
		mw_maps_close(m);
		return rc;
	}
	if (m->ctlm->schema != MW_SCHEMA_VERSION) {
		SETERR("pinned state in %s has schema %u, this modwall speaks schema %d; "
		       "use the modwall that created it, or 'modwall unload --all' to "
		       "discard it (counters are lost)", pin_dir, m->ctlm->schema,
		       MW_SCHEMA_VERSION);
		mw_maps_close(m);
		return -EPROTO;
	}
	return 0;
}

int mw_maps_open(struct mw_maps *m, const char *pin_dir, char *err, size_t errlen)
{
	return maps_open(m, pin_dir, 0, err, errlen);
}

int mw_maps_open_ro(struct mw_maps *m, const char *pin_dir, char *err, size_t errlen)
{
	return maps_open(m, pin_dir, 1, err, errlen);
}

int mw_maps_from_skel(struct mw_maps *m, struct modwall_bpf *skel, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	m->ctl = dup(bpf_map__fd(skel->maps.mw_ctl));
	m->config = dup(bpf_map__fd(skel->maps.mw_config));
	m->mac = dup(bpf_map__fd(skel->maps.mw_mac));
	m->oui = dup(bpf_map__fd(skel->maps.mw_oui));
	m->ip4 = dup(bpf_map__fd(skel->maps.mw_ip4));
	m->ip6 = dup(bpf_map__fd(skel->maps.mw_ip6));
	m->lpm4 = dup(bpf_map__fd(skel->maps.mw_lpm4));
	m->lpm6 = dup(bpf_map__fd(skel->maps.mw_lpm6));
	m->counters = dup(bpf_map__fd(skel->maps.mw_counters));
	m->ifcounters = dup(bpf_map__fd(skel->maps.mw_ifcounters));
	m->subjects = dup(bpf_map__fd(skel->maps.mw_subjects));
	m->ifaces = dup(bpf_map__fd(skel->maps.mw_ifaces));
	m->sync = dup(bpf_map__fd(skel->maps.mw_sync));
	m->binds = dup(bpf_map__fd(skel->maps.mw_binds));
	m->imei = dup(bpf_map__fd(skel->maps.mw_imei));
	m->policies = dup(bpf_map__fd(skel->maps.mw_policies));
	m->allow4 = dup(bpf_map__fd(skel->maps.mw_allow4));
	m->allow6 = dup(bpf_map__fd(skel->maps.mw_allow6));
	m->buckets = dup(bpf_map__fd(skel->maps.mw_buckets));
	m->mactab = dup(bpf_map__fd(skel->maps.mw_mactab));
	m->ouitab = dup(bpf_map__fd(skel->maps.mw_ouitab));
	m->events = dup(bpf_map__fd(skel->maps.mw_events));
	m->evctl = dup(bpf_map__fd(skel->maps.mw_evctl));
	m->evstats = dup(bpf_map__fd(skel->maps.mw_evstats));
	m->discovered = dup(bpf_map__fd(skel->maps.mw_discovered));
	m->evgate = dup(bpf_map__fd(skel->maps.mw_evgate));
	return maps_finish(m, err, errlen);
}

int mw_maps_init(struct mw_maps *m, uint32_t max_subjects)
{
	struct mw_subject_info unk = { .name = "unattributed", .kind = MW_KIND_UNKNOWN,
				       .gens = 3 };
	struct mw_config cfg = { .default_action = MW_ACT_PASS };
	__u32 k;

	memset(cfg.if_default, MW_ACT_INHERIT, sizeof(cfg.if_default));
	for (k = 0; k < 2; k++)
		if (bpf_map_update_elem(m->config, &k, &cfg, BPF_ANY))
			return -errno;
	k = MW_SUBJECT_NONE;
	if (bpf_map_update_elem(m->subjects, &k, &unk, BPF_ANY))
		return -errno;
	m->ctlm->schema = MW_SCHEMA_VERSION;
	m->ctlm->max_subjects = max_subjects;
	m->ctlm->gen = 0;
	__atomic_store_n(&m->ctlm->applied, 0, __ATOMIC_RELEASE);
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

int mw_set_event_rate(const struct mw_maps *m, uint64_t rate, uint64_t burst)
{
	struct mw_evctl c = { 0 };
	__u32 k = 0;

	if (rate) {
		c.rate = rate;
		c.burst = burst ? burst : 1;
		c.cost = (1000000000ull << MW_RATE_SHIFT) / rate;
		if (!c.cost)
			c.cost = 1;
		if (c.burst > 10000000)
			return -ERANGE;
		c.tau = (c.burst - 1) * c.cost;	/* < 2^38 * 2^34: no overflow */
		/* ticks are 1 to 10 ms: a CPU may offer a whole burst or 10 ms of the rate */
		c.per_tick = c.burst > rate / 100 ? c.burst : rate / 100;
		if (c.per_tick < MW_EVGATE_PER_TICK)
			c.per_tick = MW_EVGATE_PER_TICK;
	}
	return bpf_map_update_elem(m->evctl, &k, &c, BPF_ANY) ? -errno : 0;
}

int mw_read_counters(const struct mw_maps *m, int fd, uint32_t n, struct mw_counter *out)
{
	struct mw_counter *pc = calloc((size_t)m->ncpus, sizeof(*pc));
	uint32_t i;
	int c;

	if (!pc)
		return -ENOMEM;
	memset(out, 0, sizeof(*out) * n);
	for (i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(fd, &i, pc)) {
			int rc = -errno;

			free(pc);
			return rc;
		}
		for (c = 0; c < m->ncpus; c++) {
			out[i].packets += pc[c].packets;
			out[i].bytes += pc[c].bytes;
		}
	}
	free(pc);
	return 0;
}

static int zero_percpu(const struct mw_maps *m, int fd, uint32_t from, uint32_t n)
{
	struct mw_counter *z = calloc((size_t)m->ncpus, sizeof(*z));
	uint32_t i;
	int rc = 0;

	if (!z)
		return -ENOMEM;
	for (i = from; i < from + n; i++)
		if (bpf_map_update_elem(fd, &i, z, BPF_ANY)) {
			rc = -errno;
			break;
		}
	free(z);
	return rc;
}

/* libbpf output is kept and shown only when loading fails. */
static char libbpf_log[8192];
static libbpf_print_fn_t prev_print;

static int log_append(char *buf, size_t size, const char *fmt, va_list ap)
{
	size_t l = strlen(buf);

	return l >= size - 1 ? 0 : vsnprintf(buf + l, size - l, fmt, ap);
}

static int libbpf_capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_DEBUG ? 0 : log_append(libbpf_log, sizeof(libbpf_log), fmt, ap);
}

static void unpin_all(const char *pin_dir)
{
	char path[512];
	size_t i;

	for (i = 0; i < NMAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, map_names[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/%s", pin_dir, MW_MAP_PROGS);
	unlink(path);
	rmdir(pin_dir);
}

/* Was @v's interface in this namespace, and is it deleted? */
static int gone_here(const struct mw_iface *v)
{
	char name[IF_NAMESIZE];

	if (v->netns && v->netns != mw_netns_ino())
		return 0;
	return !if_indextoname(v->ifindex, name);
}

static int find_slot(const struct mw_maps *m, uint32_t ifindex, const char *ifname,
		     struct mw_iface *cur)
{
	int free_slot = -1;
	__u32 k;

	for (k = 0; k < MW_MAX_IFACES; k++) {
		struct mw_iface v;

		if (bpf_map_lookup_elem(m->ifaces, &k, &v))
			return -errno;
		if (v.ifindex && !strncmp(v.name, ifname, MW_IFNAME_LEN) &&
		    (v.ifindex == ifindex || gone_here(&v))) {
			/* this interface, or the one of that name before it was re-created */
			*cur = v;
			return (int)k;
		}
		if (!v.ifindex && free_slot < 0)
			free_slot = (int)k;
	}
	memset(cur, 0, sizeof(*cur));
	return free_slot < 0 ? -ENOSPC : free_slot;
}

/*
 * Let a group read the state: map pins 0640 and the pin directory 0750 in
 * that group, the bpffs root traversable. Readers still need CAP_BPF for
 * the bpf() calls; links stay root's.
 */
static int share_pins(const char *pin_dir, const char *group, char *err, size_t errlen)
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
	for (i = 0; i < NMAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, map_names[i]);
		if (chown(path, 0, g->gr_gid) || chmod(path, 0640)) {
			SETERR("--group: %s: %s", path, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

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
static int netns_open(uint32_t ino)
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
static int netns_enter(int nsfd)
{
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	if (home >= 0 && setns(nsfd, CLONE_NEWNET)) {
		close(home);
		home = -1;
	}
	return home;
}

static void netns_leave(int home)
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

static int check_netns(const struct mw_iface *v, const char *ifname, char *err, size_t errlen)
{
	if (!mw_iface_foreign(v))
		return 0;
	SETERR("%s was attached from another network namespace (net:[%u]; this is net:[%u]): "
	       "run the command there (nsenter --net=...)", ifname, v->netns, mw_netns_ino());
	return -EXDEV;
}

/* The live namespace of an attachment made in another one: its fd, -1 if none or gone. */
static int other_netns(const struct mw_iface *v)
{
	return mw_iface_foreign(v) ? netns_open(v->netns) : -1;
}

void mw_attach_pin_path(const char *pin_dir, const char *ifname, int attach, char *path,
			size_t len)
{
	snprintf(path, len, "%s/%s_%s", pin_dir, attach == MW_ATTACH_EXCLUSIVE ? "link" : "entry",
		 ifname);
}

static uint32_t prog_id_of(int fd)
{
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(pi);

	return bpf_obj_get_info_by_fd(fd, &pi, &len) ? 0 : pi.id;
}

/*
 * The programs libxdp runs on an interface, after @p (NULL: the first):
 * the dispatcher's components, or the one program libxdp attached alone
 * (a kernel that lacks what the dispatcher needs).
 */
static struct xdp_program *component_next(struct xdp_multiprog *mp, struct xdp_program *p)
{
	if (xdp_multiprog__is_legacy(mp))
		return p ? NULL : xdp_multiprog__main_prog(mp);
	return xdp_multiprog__next_prog(p, mp);
}

/*
 * The libxdp component with program id @id on @ifindex, and its
 * dispatcher (the caller closes it), or NULL when it does not run there.
 */
static struct xdp_program *entry_find(uint32_t ifindex, uint32_t id, struct xdp_multiprog **mpp)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p = NULL;

	*mpp = NULL;
	if (!ifindex || !id)
		return NULL;
	mp = xdp_multiprog__get_from_ifindex((int)ifindex);
	if (!mp || libxdp_get_error(mp))
		return NULL;
	while ((p = component_next(mp, p)))
		if (xdp_program__id(p) == id)
			break;
	if (!p)
		xdp_multiprog__close(mp);
	else
		*mpp = mp;
	return p;
}

int mw_entry_state(uint32_t ifindex, uint32_t id)
{
	struct xdp_multiprog *mp;
	int st = MW_ENTRY_GONE;

	if (entry_find(ifindex, id, &mp))
		st = xdp_multiprog__is_legacy(mp) ? MW_ENTRY_ALONE : MW_ENTRY_DISPATCHER;
	xdp_multiprog__close(mp);
	return st;
}

static int entry_live(uint32_t ifindex, uint32_t id)
{
	return mw_entry_state(ifindex, id) != MW_ENTRY_GONE;
}

int mw_attach_pin_get(const char *pin_dir, const char *ifname, uint32_t cur, uint32_t was,
		      uint32_t *lidx, int *attach)
{
	struct bpf_link_info li = {};
	__u32 len = sizeof(li);
	char path[512];
	int fd;

	*lidx = 0;
	*attach = MW_ATTACH_EXCLUSIVE;
	mw_attach_pin_path(pin_dir, ifname, MW_ATTACH_EXCLUSIVE, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		if (bpf_obj_get_info_by_fd(fd, &li, &len) || li.type != BPF_LINK_TYPE_XDP) {
			close(fd);
			return -EPROTO;
		}
		*lidx = li.xdp.ifindex;
		return fd;
	}
	*attach = MW_ATTACH_LIBXDP;
	mw_attach_pin_path(pin_dir, ifname, MW_ATTACH_LIBXDP, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -ENOENT;
	if (entry_live(cur, prog_id_of(fd)))
		*lidx = cur;
	else if (was != cur && entry_live(was, prog_id_of(fd)))
		*lidx = was;	/* still on the interface it was loaded on, renamed */
	return fd;
}

static char xdp_log[2048];
static libxdp_print_fn_t prev_xdp_print;

static int libxdp_capture(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	return level == LIBXDP_DEBUG ? 0 : log_append(xdp_log, sizeof(xdp_log), fmt, ap);
}

/* The pinned prog array the entries tail-call through, created on first use. */
static int progs_map(const char *pin_dir, char *err, size_t errlen)
{
	char path[512];
	int fd, rc;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, MW_MAP_PROGS);
	fd = bpf_obj_get(path);
	if (fd >= 0 || errno != ENOENT) {
		if (fd < 0)
			SETERR("opening %s: %s", path, strerror(errno));
		return fd < 0 ? -errno : fd;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, MW_MAP_PROGS, sizeof(__u32), sizeof(__u32),
			    MW_MAX_IFACES, NULL);
	if (fd < 0 || bpf_obj_pin(fd, path)) {
		rc = -errno;
		SETERR("creating %s: %s", path, strerror(-rc));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	return fd;
}

/* The program in mw_progs[@slot] (an fd), or -1. */
static int slot_prog_fd(const char *pin_dir, uint32_t slot)
{
	char path[512];
	__u32 id = 0;
	int pfd, fd = -1;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, MW_MAP_PROGS);
	pfd = bpf_obj_get(path);
	if (pfd < 0)
		return -1;
	if (!bpf_map_lookup_elem(pfd, &slot, &id) && id)
		fd = bpf_prog_get_fd_by_id(id);
	close(pfd);
	return fd < 0 ? -1 : fd;
}

/*
 * libxdp attach: mw_progs[slot] gets the program, then (first load only)
 * an entry that tail-calls it joins the interface's dispatcher. Loading
 * again only replaces mw_progs[slot]: the dispatcher and the other
 * programs on the interface are not touched, and no frame goes by
 * unclassified.
 */
static int attach_entry(const char *pin_dir, const struct mw_load_opts *o, uint32_t ifindex,
			uint32_t slot, int prog_fd, const struct mw_iface *cur,
			struct mw_load_result *r, char *err, size_t errlen)
{
	enum xdp_attach_mode mode = o->mode == MW_MODE_GENERIC ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	struct xdp_program *xp = NULL;
	struct entry_bpf *es = NULL;
	char path[512], ppath[512];
	int pfd, efd, rc, prev_fd = -1;
	uint32_t id;
	__u32 k = slot;

	r->run_prio = o->run_prio ? o->run_prio :
		      cur->ifindex && cur->run_prio ? cur->run_prio : MW_RUN_PRIO_DEFAULT;
	pfd = progs_map(pin_dir, err, errlen);
	if (pfd < 0)
		return pfd;
	mw_attach_pin_path(pin_dir, o->ifname, MW_ATTACH_LIBXDP, path, sizeof(path));
	efd = bpf_obj_get(path);
	if (efd >= 0) {
		id = prog_id_of(efd);
		close(efd);
		if (entry_live(ifindex, id)) {
			if (cur->ifindex && r->run_prio != cur->run_prio) {
				SETERR("%s runs at libxdp priority %u; 'modwall unload %s' "
				       "before changing it", o->ifname, cur->run_prio, o->ifname);
				rc = -EINVAL;
				goto out;
			}
			if (bpf_map_update_elem(pfd, &k, &prog_fd, BPF_ANY)) {
				rc = -errno;
				SETERR("replacing the program of %s: %s", o->ifname, strerror(-rc));
				goto out;
			}
			r->upgraded = 1;
			r->entry_id = id;
			rc = 0;
			goto out;
		}
		/* the interface it ran on is gone (deleted, or its dispatcher removed) */
		if (cur->ifindex)	/* spares a dispatcher still attached there */
			mw_entry_gc(cur->ifindex, id);
		if (unlink(path)) {
			rc = -errno;
			SETERR("removing the stale %s: %s", path, strerror(-rc));
			goto out;
		}
	}
	{
		/* a modwall entry these pins do not know would count every frame twice */
		struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex((int)ifindex);
		struct xdp_program *p = NULL;
		uint32_t other = 0;

		if (mp && !libxdp_get_error(mp)) {
			while (!other && (p = component_next(mp, p)))
				if (!strcmp(xdp_program__name(p), "modwall_entry"))
					other = xdp_program__id(p);
			xdp_multiprog__close(mp);
		}
		if (other) {
			SETERR("%s already runs a modwall entry (program %u) that %s does not "
			       "know (another pin directory, or pins removed by hand); remove it "
			       "with 'xdp-loader unload %s -i %u' first", o->ifname, other,
			       pin_dir, o->ifname, other);
			rc = -EEXIST;
			goto out;
		}
	}
	prev_fd = slot_prog_fd(pin_dir, slot);	/* put back if the attach fails */
	if (bpf_map_update_elem(pfd, &k, &prog_fd, BPF_ANY)) {
		rc = -errno;
		SETERR("storing the program of %s in %s: %s", o->ifname, MW_MAP_PROGS,
		       strerror(-rc));
		goto out;
	}
	es = entry_bpf__open();
	if (!es) {
		rc = -errno;
		SETERR("opening the entry object: %s", strerror(-rc));
		goto clear;
	}
	bpf_program__set_expected_attach_type(es->progs.modwall_entry, 0);
	es->rodata->mw_entry_slot = slot;
	es->rodata->mw_entry_fallback = o->fail_action == MW_ACT_DROP ? XDP_DROP : XDP_PASS;
	snprintf(ppath, sizeof(ppath), "%s/%s", pin_dir, MW_MAP_PROGS);
	bpf_map__set_pin_path(es->maps.mw_progs, ppath);
	xp = xdp_program__from_bpf_obj(es->obj, NULL);
	rc = libxdp_get_error(xp);
	if (rc) {
		xp = NULL;
		SETERR("preparing the libxdp component: %s", strerror(-rc));
		goto clear;
	}
	xdp_program__set_run_prio(xp, r->run_prio);
	xdp_log[0] = 0;
	libbpf_log[0] = 0;
	prev_xdp_print = libxdp_set_print(libxdp_capture);
	prev_print = libbpf_set_print(libbpf_capture);
	rc = xdp_program__attach(xp, (int)ifindex, mode, 0);
	libbpf_set_print(prev_print);
	libxdp_set_print(prev_xdp_print);
	if (rc) {
		char msg[256];

		libxdp_strerror(rc, msg, sizeof(msg));
		if (rc == -EEXIST || rc == -EBUSY)
			SETERR("%s already runs an XDP program that libxdp cannot share (%s); "
			       "detach it, or load it through libxdp (xdp-loader), or use "
			       "'modwall load %s --exclusive' once it is gone%s%s", o->ifname, msg,
			       o->ifname, xdp_log[0] ? ":\n" : "", xdp_log);
		else if (rc == -EOPNOTSUPP || (rc == -EINVAL && mode == XDP_MODE_NATIVE))
			SETERR("attaching to %s in %s mode: %s%s%s%s", o->ifname,
			       mode == XDP_MODE_SKB ? "generic" : "native", msg,
			       mode == XDP_MODE_SKB ? "" :
			       " (the driver may lack native XDP: try --mode generic)",
			       xdp_log[0] ? ":\n" : "", xdp_log);
		else
			SETERR("attaching to %s through libxdp: %s%s%s%s", o->ifname, msg,
			       xdp_log[0] || libbpf_log[0] ? ":\n" : "", xdp_log, libbpf_log);
		goto clear;
	}
	efd = xdp_program__fd(xp);
	if (bpf_obj_pin(efd, path)) {
		rc = -errno;
		SETERR("pinning %s: %s", path, strerror(-rc));
		xdp_program__detach(xp, (int)ifindex, mode, 0);
		goto clear;
	}
	r->entry_id = xdp_program__id(xp);
	rc = 0;
	goto out;
clear:
	if (prev_fd < 0 || bpf_map_update_elem(pfd, &k, &prev_fd, BPF_ANY))
		bpf_map_delete_elem(pfd, &k);
out:
	if (prev_fd >= 0)
		close(prev_fd);
	xdp_program__close(xp);
	entry_bpf__destroy(es);
	close(pfd);
	return rc;
}

/* Remove @dir (a libxdp dispatcher directory) and the pins in it. */
static void rm_pin_dir(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			unlinkat(fd, de->d_name, 0);
	closedir(d);
	unlinkat(dfd, name, AT_REMOVEDIR);
}

void mw_entry_gc(uint32_t old_ifindex, uint32_t entry_id)
{
	const char *root = getenv("LIBXDP_BPFFS");
	struct xdp_multiprog *mp;
	uint32_t live = 0, idx, disp;
	struct dirent *de;
	char path[512];
	DIR *d;
	int dfd;

	if (!old_ifindex || !entry_id)
		return;
	snprintf(path, sizeof(path), "%s/xdp", root && *root ? root : MW_PIN_ROOT);
	d = opendir(path);
	if (!d)
		return;
	/*
	 * A dispatcher still attached to an interface of that ifindex here is
	 * not stale. Asked before taking libxdp's lock, which libxdp takes
	 * itself on another open file (flock would wait for ourselves).
	 */
	mp = xdp_multiprog__get_from_ifindex((int)old_ifindex);
	if (mp && !libxdp_get_error(mp)) {
		live = xdp_program__id(xdp_multiprog__main_prog(mp));
		xdp_multiprog__close(mp);
	}
	dfd = dirfd(d);
	if (flock(dfd, LOCK_EX)) {	/* libxdp's own lock on its pins */
		closedir(d);
		return;
	}
	while ((de = readdir(d))) {
		char sub[1024];
		int k, fd, ours = 0;

		if (sscanf(de->d_name, "dispatch-%u-%u", &idx, &disp) != 2 ||
		    idx != old_ifindex || disp == live)
			continue;
		for (k = 0; k < 16 && !ours; k++) {
			snprintf(sub, sizeof(sub), "%s/%s/prog%d-prog", path, de->d_name, k);
			fd = bpf_obj_get(sub);
			if (fd >= 0) {
				ours = prog_id_of(fd) == entry_id;
				close(fd);
			}
		}
		if (ours)
			rm_pin_dir(dfd, de->d_name);
	}
	flock(dfd, LOCK_UN);
	closedir(d);
}

/* Take @ifname's entry out of the dispatcher on @ifindex (if it still runs there). */
static int detach_entry(uint32_t ifindex, uint32_t id, char *err, size_t errlen)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p = entry_find(ifindex, id, &mp);
	int rc = 0;

	if (p) {
		rc = xdp_program__detach(p, (int)ifindex, xdp_multiprog__attach_mode(mp), 0);
		if (rc) {
			char msg[256];

			libxdp_strerror(rc, msg, sizeof(msg));
			SETERR("detaching from ifindex %u: %s", ifindex, msg);
		}
	}
	xdp_multiprog__close(mp);
	return rc;
}

/* Attach @prog_fd alone on a bpf_link pinned as link_IFNAME, or replace the linked program. */
static int attach_link(const char *pin_dir, const struct mw_load_opts *o, uint32_t ifindex,
		       int prog_fd, int *link_out, struct mw_load_result *r, char *err,
		       size_t errlen)
{
	char path[512];
	int link_fd, rc;

	*link_out = -1;
	mw_attach_pin_path(pin_dir, o->ifname, MW_ATTACH_EXCLUSIVE, path, sizeof(path));
	link_fd = bpf_obj_get(path);
	if (link_fd >= 0) {
		struct bpf_link_info li = {};
		__u32 len = sizeof(li);

		if (bpf_obj_get_info_by_fd(link_fd, &li, &len) || li.type != BPF_LINK_TYPE_XDP) {
			SETERR("%s is pinned but is not an XDP link; remove it first", path);
			close(link_fd);
			return -EEXIST;
		}
		if (li.xdp.ifindex == ifindex) {
			if (bpf_link_update(link_fd, prog_fd, NULL)) {
				rc = -errno;
				SETERR("replacing the program on %s: %s", o->ifname, strerror(-rc));
				close(link_fd);
				return rc;
			}
			r->upgraded = 1;
			*link_out = link_fd;
			return 0;
		}
		close(link_fd);
		if (li.xdp.ifindex) {
			char other[IF_NAMESIZE] = "?";

			if_indextoname(li.xdp.ifindex, other);
			SETERR("%s is attached to %s (ifindex %u), not to %s; 'modwall unload "
			       "%s' first", path, other, li.xdp.ifindex, o->ifname, o->ifname);
			return -EBUSY;
		}
		/* the interface it was attached to is gone */
		if (unlink(path)) {
			rc = -errno;
			SETERR("removing the stale %s: %s", path, strerror(-rc));
			return rc;
		}
	}
	{
		LIBBPF_OPTS(bpf_link_create_opts, lo);

		lo.flags = o->mode == MW_MODE_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
		link_fd = bpf_link_create(prog_fd, (int)ifindex, BPF_XDP, &lo);
	}
	if (link_fd < 0) {
		rc = -errno;
		if (rc == -EBUSY || rc == -EEXIST)
			SETERR("%s already has an XDP program attached; --exclusive needs the "
			       "interface to itself (drop --exclusive to share it through libxdp)",
			       o->ifname);
		else if (rc == -EOPNOTSUPP || rc == -EINVAL)
			SETERR("attaching to %s in %s mode: %s%s", o->ifname,
			       o->mode == MW_MODE_GENERIC ? "generic" : "native",
			       strerror(-rc), o->mode == MW_MODE_GENERIC ? "" :
			       " (the driver may lack native XDP: try --mode generic)");
		else
			SETERR("attaching to %s: %s", o->ifname, strerror(-rc));
		return rc;
	}
	if (bpf_obj_pin(link_fd, path)) {
		rc = -errno;
		SETERR("pinning %s: %s", path, strerror(-rc));
		bpf_link_detach(link_fd);
		close(link_fd);
		return rc;
	}
	*link_out = link_fd;
	return 0;
}

int mw_load(const char *pin_dir, const struct mw_load_opts *o, struct mw_load_result *r,
	    char *err, size_t errlen)
{
	struct modwall_bpf *skel = NULL;
	struct mw_maps m = { .ctl = -1 };
	struct mw_iface cur, ifv;
	char path[512];
	uint32_t ifindex, maxs;
	int rc, fresh = 0, slot, link_fd = -1, prog_fd, own_prog_fd = -1, lock = -1;
	__u32 k;

	memset(r, 0, sizeof(*r));
	if (o->group && !getgrnam(o->group)) {	/* before anything is attached */
		SETERR("--group: no group '%s'", o->group);
		return -EINVAL;
	}
	ifindex = if_nametoindex(o->ifname);
	if (!ifindex) {
		SETERR("no interface '%s'", o->ifname);
		return -ENODEV;
	}
	rc = mw_bpffs_ensure(pin_dir, err, errlen);
	if (rc)
		return rc;
	if (mkdir(pin_dir, 0700) && errno != EEXIST) {
		SETERR("mkdir %s: %s", pin_dir, strerror(errno));
		return -errno;
	}

	lock = mw_lock(pin_dir);
	if (lock < 0) {
		SETERR("locking %s: %s", pin_dir, strerror(-lock));
		return lock;
	}
	rc = mw_maps_open(&m, pin_dir, err, errlen);
	if (rc == -ENOENT) {
		fresh = 1;
		maxs = o->max_subjects ? o->max_subjects : MW_DEFAULT_SUBJECTS;
		slot = 0;
		memset(&cur, 0, sizeof(cur));
	} else if (rc) {
		close(lock);
		return rc;
	} else {
		maxs = m.max_subjects;
		if (o->max_subjects && o->max_subjects != maxs) {
			SETERR("modwall is loaded with --max-devices %u; changing it needs "
			       "'modwall unload --all' first (counters are lost)", maxs);
			rc = -EINVAL;
			goto out;
		}
		slot = find_slot(&m, ifindex, o->ifname, &cur);
		if (slot < 0) {
			if (slot == -ENOSPC)
				SETERR("all %d interface slots are in use", MW_MAX_IFACES);
			else
				SETERR("reading %s: %s", MW_MAP_IFACES, strerror(-slot));
			rc = slot;
			goto out;
		}
		if (cur.ifindex && cur.xdp_mode != o->mode) {
			SETERR("%s is attached in %s mode; 'modwall unload %s' before changing "
			       "the mode", o->ifname, cur.xdp_mode == MW_MODE_GENERIC ?
			       "generic" : "native", o->ifname);
			rc = -EINVAL;
			goto out;
		}
		{
			/* by name: the same name elsewhere has another ifindex */
			struct mw_iface byname;
			__u32 i;
			int nsfd;

			for (i = 0; i < MW_MAX_IFACES; i++) {
				char now[IF_NAMESIZE];

				if (bpf_map_lookup_elem(m.ifaces, &i, &byname) || !byname.ifindex ||
				    strncmp(byname.name, o->ifname, MW_IFNAME_LEN))
					continue;
				if ((nsfd = other_netns(&byname)) >= 0) {
					close(nsfd);
					rc = check_netns(&byname, o->ifname, err, errlen);
					goto out;
				}
				if (byname.ifindex != ifindex && byname.attach == MW_ATTACH_LIBXDP &&
				    !mw_iface_foreign(&byname) &&
				    if_indextoname(byname.ifindex, now) &&
				    entry_live(byname.ifindex, byname.entry_id)) {
					SETERR("the interface modwall attached as %s (ifindex %u) is "
					       "called %s now and still runs it; 'modwall unload %s' "
					       "first", o->ifname, byname.ifindex, now, o->ifname);
					rc = -EBUSY;
					goto out;
				}
			}
		}
		if (cur.ifindex && cur.attach != (o->exclusive ? MW_ATTACH_EXCLUSIVE :
						  MW_ATTACH_LIBXDP)) {
			SETERR("%s is attached %s; 'modwall unload %s' before %s", o->ifname,
			       cur.attach == MW_ATTACH_EXCLUSIVE ? "exclusively (--exclusive)" :
			       "through libxdp", o->ifname, o->exclusive ?
			       "taking it exclusively" : "sharing it through libxdp (or add "
			       "--exclusive)");
			rc = -EINVAL;
			goto out;
		}
	}

	/*
	 * The interface came back: its program still sits in mw_progs[slot],
	 * verified and bound to this slot. Only a new entry needs attaching,
	 * which takes milliseconds instead of another verifier run.
	 */
	if (o->reuse && !o->exclusive && !fresh) {
		prog_fd = own_prog_fd = slot_prog_fd(pin_dir, (uint32_t)slot);
		if (prog_fd >= 0)
			goto attach;
	}
	skel = modwall_bpf__open();
	if (!skel) {
		rc = -errno;
		SETERR("opening the BPF object: %s", strerror(-rc));
		goto out;
	}
	/*
	 * Kernels check that a prog array's programs share one expected
	 * attach type. libxdp loads the entry as an extension, whose type is
	 * 0, so the program it tail-calls (and the entry when libxdp loads it
	 * as plain XDP) uses 0 too, as XDP loaders did before BPF_XDP existed.
	 */
	bpf_program__set_expected_attach_type(skel->progs.modwall_xdp, 0);
	skel->rodata->mw_slot = (uint32_t)slot;
	skel->rodata->mw_role = (uint8_t)o->role;
	skel->rodata->mw_fail_action = (uint8_t)o->fail_action;
	skel->rodata->mw_malformed_action = (uint8_t)o->malformed_action;
	bpf_map__set_max_entries(skel->maps.mw_mac, 2 * maxs);
	bpf_map__set_max_entries(skel->maps.mw_ip4, 2 * maxs);
	bpf_map__set_max_entries(skel->maps.mw_ip6, 2 * maxs);
	bpf_map__set_max_entries(skel->maps.mw_imei, 2 * maxs);
	bpf_map__set_max_entries(skel->maps.mw_counters, maxs * MW_NR_REASONS);
	bpf_map__set_max_entries(skel->maps.mw_subjects, maxs);
	bpf_map__set_max_entries(skel->maps.mw_buckets, maxs);
	bpf_map__set_max_entries(skel->maps.mw_mactab, 2u << mw_tab_bits(maxs));
	bpf_map__set_max_entries(skel->maps.mw_ouitab, 2u << mw_tab_bits(65536));
	{
		struct bpf_map *map;

		bpf_object__for_each_map(map, skel->obj) {
			const char *n = bpf_map__name(map);

			if (strncmp(n, "mw_", 3))
				continue;	/* .rodata */
			snprintf(path, sizeof(path), "%s/%s", pin_dir, n);
			bpf_map__set_pin_path(map, path);
		}
	}
	libbpf_log[0] = 0;
	prev_print = libbpf_set_print(libbpf_capture);
	rc = modwall_bpf__load(skel);
	libbpf_set_print(prev_print);
	if (rc) {
		SETERR("loading the BPF program failed (%s)%s%s", strerror(-rc),
		       libbpf_log[0] ? ":\n" : "", libbpf_log);
		goto out;
	}
	if (fresh) {
		rc = mw_maps_from_skel(&m, skel, err, errlen);
		if (!rc)
			rc = mw_maps_init(&m, maxs);
		if (!rc && o->event_rate < 0)
			rc = mw_set_event_rate(&m, MW_EVENT_RATE_DEFAULT, MW_EVENT_BURST_DEFAULT);
		if (rc) {
			SETERR("initialising maps: %s", strerror(-rc));
			goto out;
		}
	}
	if (o->event_rate >= 0) {
		rc = mw_set_event_rate(&m, (uint64_t)o->event_rate, o->event_burst);
		if (rc) {
			SETERR("setting the event rate: %s", strerror(-rc));
			goto out;
		}
	}
	prog_fd = bpf_program__fd(skel->progs.modwall_xdp);
attach:
	r->attach = o->exclusive ? MW_ATTACH_EXCLUSIVE : MW_ATTACH_LIBXDP;
	if (o->exclusive)
		rc = attach_link(pin_dir, o, ifindex, prog_fd, &link_fd, r, err, errlen);
	else
		rc = attach_entry(pin_dir, o, ifindex, (uint32_t)slot, prog_fd, &cur, r, err,
				  errlen);
	if (rc)
		goto out;
	/* a slot taken afresh starts with clean interface counters */
	if (!r->upgraded && !cur.ifindex)
		zero_percpu(&m, m.ifcounters, (uint32_t)slot * MW_NR_REASONS, MW_NR_REASONS);

	{
		struct bpf_prog_info pi = {};
		struct bpf_link_info li = {};
		__u32 len = sizeof(pi);

		bpf_obj_get_info_by_fd(prog_fd, &pi, &len);
		len = sizeof(li);
		if (link_fd >= 0)
			bpf_obj_get_info_by_fd(link_fd, &li, &len);
		memset(&ifv, 0, sizeof(ifv));
		ifv.ifindex = ifindex;
		ifv.role = (uint8_t)o->role;
		ifv.xdp_mode = (uint8_t)o->mode;
		ifv.fail_action = (uint8_t)o->fail_action;
		ifv.malformed_action = (uint8_t)o->malformed_action;
		snprintf(ifv.name, sizeof(ifv.name), "%s", o->ifname);
		ifv.prog_id = pi.id;
		ifv.link_id = li.id;
		ifv.loaded_ns = now_ns();
		ifv.attach = (uint8_t)r->attach;
		ifv.run_prio = (uint16_t)(r->attach == MW_ATTACH_LIBXDP ? r->run_prio : 0);
		ifv.entry_id = r->entry_id;
		ifv.netns = mw_netns_ino();
		k = (uint32_t)slot;
		if (bpf_map_update_elem(m.ifaces, &k, &ifv, BPF_ANY)) {
			rc = -errno;
			SETERR("recording interface slot: %s", strerror(-rc));
			goto out;
		}
		if (o->group) {
			rc = share_pins(pin_dir, o->group, err, errlen);
			if (rc)
				goto out;
		}
		r->slot = k;
		r->prog_id = pi.id;
		r->link_id = li.id;
		r->ifindex = ifindex;
		r->created = fresh;
	}
	rc = 0;
out:
	if (link_fd >= 0)
		close(link_fd);
	if (own_prog_fd >= 0)
		close(own_prog_fd);
	if (rc && fresh)
		unpin_all(pin_dir);
	modwall_bpf__destroy(skel);
	mw_maps_close(&m);
	close(lock);
	return rc;
}

static int is_attach_pin(const char *name, const char **ifname)
{
	if (!strncmp(name, "link_", 5))
		*ifname = name + 5;
	else if (!strncmp(name, "entry_", 6))
		*ifname = name + 6;
	else
		return 0;
	return 1;
}

static int count_links(const char *pin_dir)
{
	DIR *d = opendir(pin_dir);
	struct dirent *de;
	const char *ifn;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += is_attach_pin(de->d_name, &ifn);
	closedir(d);
	return n;
}

static int unload_one(const char *pin_dir, const char *ifname, struct mw_maps *m,
		      char *err, size_t errlen)
{
	char path[512];
	struct mw_iface v = {}, cur = {};
	int fd, attach = MW_ATTACH_EXCLUSIVE, slot = -1, home = -1, gone = 0;
	__u32 k;

	for (k = 0; m && k < MW_MAX_IFACES && slot < 0; k++)
		if (!bpf_map_lookup_elem(m->ifaces, &k, &v) && v.ifindex &&
		    !strncmp(v.name, ifname, MW_IFNAME_LEN)) {
			slot = (int)k;
			cur = v;
		}
	mw_attach_pin_path(pin_dir, ifname, attach, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0) {
		attach = MW_ATTACH_LIBXDP;
		mw_attach_pin_path(pin_dir, ifname, attach, path, sizeof(path));
		fd = bpf_obj_get(path);
	}
	if (fd < 0) {
		SETERR("modwall is not loaded on %s", ifname);
		return -ENOENT;
	}
	if (attach == MW_ATTACH_LIBXDP && check_netns(&cur, ifname, NULL, 0)) {
		/* libxdp works by ifindex: detach from within the interface's namespace */
		int nsfd = netns_open(cur.netns);

		if (nsfd < 0) {
			gone = 1;	/* the namespace went, and the interface with it */
		} else {
			home = netns_enter(nsfd);
			close(nsfd);
			if (home < 0) {
				SETERR("entering the network namespace of %s (net:[%u]): %s",
				       ifname, cur.netns, strerror(errno));
				close(fd);
				return -EXDEV;
			}
		}
	}
	if (attach == MW_ATTACH_EXCLUSIVE) {
		if (bpf_link_detach(fd) && errno != ENOLINK)
			fprintf(stderr, "modwall: warning: detaching %s: %s\n", ifname,
				strerror(errno));
	} else {
		uint32_t idx = cur.ifindex ? cur.ifindex : if_nametoindex(ifname);
		char msg[512];
		int pfd;

		if (!gone && detach_entry(idx, prog_id_of(fd), msg, sizeof(msg))) {
			/* still attached: keep the pin and the program it tail-calls */
			netns_leave(home);
			SETERR("%s: %s", ifname, msg);
			close(fd);
			return -EBUSY;
		}
		if (!gone)
			mw_entry_gc(idx, prog_id_of(fd));	/* if its interface was deleted */
		netns_leave(home);
		snprintf(msg, sizeof(msg), "%s/%s", pin_dir, MW_MAP_PROGS);
		pfd = bpf_obj_get(msg);
		k = (__u32)slot;
		if (pfd >= 0 && slot >= 0)
			bpf_map_delete_elem(pfd, &k);
		if (pfd >= 0)
			close(pfd);
	}
	close(fd);
	if (unlink(path)) {
		SETERR("removing %s: %s", path, strerror(errno));
		return -errno;
	}
	if (slot >= 0) {
		memset(&v, 0, sizeof(v));
		k = (__u32)slot;
		bpf_map_update_elem(m->ifaces, &k, &v, BPF_ANY);
	}
	return 0;
}

int mw_unload(const char *pin_dir, const char *ifname, int keep, char *err, size_t errlen)
{
	struct mw_maps m;
	int have_maps, rc = 0, lock;

	/* Unload works on any schema: it only needs the link pins. */
	lock = mw_lock(pin_dir);
	if (lock < 0) {
		SETERR("modwall is not loaded (no %s)", pin_dir);
		return -ENOENT;
	}
	have_maps = mw_maps_open(&m, pin_dir, NULL, 0) == 0;
	if (ifname) {
		rc = unload_one(pin_dir, ifname, have_maps ? &m : NULL, err, errlen);
	} else {
		DIR *d = opendir(pin_dir);
		struct dirent *de;

		if (!d) {
			SETERR("modwall is not loaded (no %s)", pin_dir);
			rc = -ENOENT;
			goto out;
		}
		const char *ifn;

		while ((de = readdir(d)))
			if (is_attach_pin(de->d_name, &ifn)) {
				rc = unload_one(pin_dir, ifn, have_maps ? &m : NULL, err, errlen);
				if (rc)
					break;
			}
		closedir(d);
	}
	if (!rc && !keep && count_links(pin_dir) == 0)
		unpin_all(pin_dir);
out:
	if (have_maps)
		mw_maps_close(&m);
	close(lock);
	return rc;
}

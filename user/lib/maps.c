// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The pinned maps: open (read-write with mmaps, or read-only with copies), close, initialise. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "maps.h"
#include "modwall.skel.h"

#define SETERR(...) do { if (err) snprintf(err, errlen, __VA_ARGS__); } while (0)

const char *const mw_map_names[] = {
	MW_MAP_CTL, MW_MAP_CONFIG, MW_MAP_MAC, MW_MAP_OUI, MW_MAP_IP4, MW_MAP_IP6,
	MW_MAP_LPM4, MW_MAP_LPM6, MW_MAP_COUNTERS, MW_MAP_DEVCOUNTERS, MW_MAP_IFCOUNTERS,
	MW_MAP_SUBJECTS,
	MW_MAP_IFACES, MW_MAP_SYNC, MW_MAP_BINDS, MW_MAP_IMEI, MW_MAP_POLICIES, MW_MAP_ALLOW4,
	MW_MAP_ALLOW6, MW_MAP_BUCKETS, MW_MAP_MACTAB, MW_MAP_OUITAB, MW_MAP_IP4TAB,
	MW_MAP_EVENTS,
	MW_MAP_EVCTL, MW_MAP_EVSTATS, MW_MAP_DISCOVERED, MW_MAP_EVGATE, MW_MAP_TUNNELS,
	MW_MAP_FLOWS, MW_MAP_FLOWMISS, MW_MAP_FLOWSTATS,
	MW_MAP_NAMES, MW_MAP_NAMERULES, MW_MAP_DNS, MW_MAP_DNSQ, MW_MAP_DNSCTL, MW_MAP_DNSSTATS,
	MW_MAP_ASKED, MW_MAP_CLOCK, MW_MAP_DISCTAB,
};

#define NMAPS (sizeof(mw_map_names) / sizeof(mw_map_names[0]))
const size_t mw_nr_maps = NMAPS;

static int *map_slot(struct mw_maps *m, size_t i)
{
	int *slots[NMAPS] = {
		&m->ctl, &m->config, &m->mac, &m->oui, &m->ip4, &m->ip6, &m->lpm4, &m->lpm6,
		&m->counters, &m->devcounters, &m->ifcounters, &m->subjects, &m->ifaces, &m->sync, &m->binds,
		&m->imei, &m->policies, &m->allow4, &m->allow6, &m->buckets, &m->mactab,
		&m->ouitab, &m->ip4tab, &m->events, &m->evctl, &m->evstats, &m->discovered, &m->evgate,
		&m->tunnels, &m->flows, &m->flowmiss, &m->flowstats,
		&m->names, &m->namerules, &m->dns, &m->dnsq, &m->dnsctl, &m->dnsstats,
		&m->asked, &m->clock, &m->disctab,
	};
	return slots[i];
}

unsigned mw_tab_bits(uint64_t n)
{
	unsigned bits = MW_TAB_MIN_BITS;

	while (bits < MW_TAB_MAX_BITS && (1ull << bits) < 2 * n)
		bits++;
	return bits;
}

static size_t tab_bytes(unsigned bits)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t b = (2ul << bits) * sizeof(struct mw_slot);

	return (b + page - 1) / page * page;
}

/* A table map's log2 slots per generation: its size is twice a power of two. */
static int tab_bits(int fd, const char *name, unsigned *bits, char *err, size_t errlen)
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
	if ((2u << b) != info.max_entries || b < MW_TAB_MIN_BITS || b > MW_TAB_MAX_BITS) {
		SETERR("%s has %u slots: not twice a power of two", name, info.max_entries);
		return -EPROTO;
	}
	*bits = b;
	return 0;
}

/* mmap a table map (both halves). */
static int map_tab(int fd, const char *name, struct mw_slot **out, unsigned *bits, int prot,
		   char *err, size_t errlen)
{
	int rc = tab_bits(fd, name, bits, err, errlen);
	void *p;

	if (rc)
		return rc;
	p = mmap(NULL, tab_bytes(*bits), prot, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		SETERR("mmap of %s: %s", name, strerror(errno));
		return -errno;
	}
	*out = p;
	return 0;
}

/* A private copy of a table map: the kernel does not map a read-only fd. */
static int copy_tab(int fd, const char *name, struct mw_slot **out, unsigned *bits, char *err,
		    size_t errlen)
{
	int rc = tab_bits(fd, name, bits, err, errlen);

	if (rc)
		return rc;
	*out = calloc(2ul << *bits, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	rc = mw_read_array(fd, 2u << *bits, sizeof(**out), *out);
	if (rc)
		SETERR("reading %s: %s", name, strerror(-rc));
	return rc;
}

static size_t disctab_bytes(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t b = (size_t)MW_DISCTAB_SLOTS * sizeof(struct mw_disc_slot);

	return (b + page - 1) / page * page;
}

/*
 * mmap the discovery table through @fd with @prot. A read-only fd cannot
 * be mapped at all (the kernel maps only files opened for writing, even
 * for reading), so read-only openers map it through a writable fd when
 * they may have one (mw_maps_open_ro) and read it in batches otherwise.
 */
static int map_disctab(int fd, int prot, struct mw_disc_slot **out, char *err, size_t errlen)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	void *p;

	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		SETERR("reading %s: %s", MW_MAP_DISCTAB, strerror(errno));
		return -errno;
	}
	if (info.max_entries != MW_DISCTAB_SLOTS || info.value_size != sizeof(struct mw_disc_slot)) {
		SETERR("%s has %u slots of %u bytes, not %u of %zu", MW_MAP_DISCTAB,
		       info.max_entries, info.value_size, MW_DISCTAB_SLOTS,
		       sizeof(struct mw_disc_slot));
		return -EPROTO;
	}
	p = mmap(NULL, disctab_bytes(), prot, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		SETERR("mmap of %s: %s", MW_MAP_DISCTAB, strerror(errno));
		return -errno;
	}
	*out = p;
	return 0;
}

/* What both openers learn the same way: the subject and flow tables' sizes, the CPUs. */
static int maps_sizes(struct mw_maps *m, char *err, size_t errlen)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(m->subjects, &info, &len)) {
		SETERR("reading %s: %s", MW_MAP_SUBJECTS, strerror(errno));
		return -errno;
	}
	m->max_subjects = info.max_entries;
	memset(&info, 0, sizeof(info));
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(m->flows, &info, &len)) {
		SETERR("reading %s: %s", MW_MAP_FLOWS, strerror(errno));
		return -errno;
	}
	m->max_flows = info.max_entries;
	m->ncpus = libbpf_num_possible_cpus();
	memset(&info, 0, sizeof(info));
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(m->counters, &info, &len)) {
		SETERR("reading %s: %s", MW_MAP_COUNTERS, strerror(errno));
		return -errno;
	}
	m->pcpu_ids = info.max_entries / MW_NR_REASONS;
	if (m->pcpu_ids > MW_PCPU_IDS || m->pcpu_ids > m->max_subjects) {
		SETERR("%s holds %u subjects: more than %u", MW_MAP_COUNTERS, m->pcpu_ids,
		       MW_PCPU_IDS);
		return -EPROTO;
	}
	return 0;
}



/* mmap the @n values of an mmapable array indexed by subject id. */
static int map_subject_array(int fd, const char *name, uint32_t n, size_t vsz, void **out,
			     char *err, size_t errlen)
{
	void *p = mmap(NULL, mw_array_bytes(n, vsz), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED) {
		SETERR("mmap of %s: %s", name, strerror(errno));
		return -errno;
	}
	*out = p;
	return 0;
}

static int maps_finish_ro(struct mw_maps *m, char *err, size_t errlen)
{
	__u32 zero = 0;

	m->ctlm = calloc(1, (size_t)sysconf(_SC_PAGESIZE));
	if (!m->ctlm)
		return -ENOMEM;
	if (bpf_map_lookup_elem(m->ctl, &zero, m->ctlm)) {
		SETERR("reading %s: %s", MW_MAP_CTL, strerror(errno));
		return -errno;
	}
	/* the tables (132 MiB at 1M devices) are copied only for who walks them */
	return maps_sizes(m, err, errlen);
}

static int maps_finish(struct mw_maps *m, char *err, size_t errlen)
{
	int prot = PROT_READ | PROT_WRITE, rc;
	void *p;

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
	if (!rc)
		rc = map_tab(m->ip4tab, MW_MAP_IP4TAB, &m->ip4tab_m, &m->ip4_bits, prot, err,
			     errlen);
	if (!rc)
		rc = maps_sizes(m, err, errlen);
	if (!rc)
		rc = map_subject_array(m->subjects, MW_MAP_SUBJECTS, m->max_subjects,
				       sizeof(*m->subjects_m), (void **)&m->subjects_m, err, errlen);
	if (!rc)
		rc = map_subject_array(m->devcounters, MW_MAP_DEVCOUNTERS, m->max_subjects,
				       sizeof(*m->devctr_m), (void **)&m->devctr_m, err, errlen);
	if (!rc)
		rc = map_subject_array(m->buckets, MW_MAP_BUCKETS, m->max_subjects,
				       sizeof(*m->buckets_m), (void **)&m->buckets_m, err, errlen);
	if (!rc)
		rc = map_disctab(m->disctab, prot, &m->disctab_m, err, errlen);
	return rc;
}

void mw_maps_close(struct mw_maps *m)
{
	size_t i;

	if (m->subjects_m)
		munmap(m->subjects_m, mw_array_bytes(m->max_subjects, sizeof(*m->subjects_m)));
	if (m->devctr_m)
		munmap(m->devctr_m, mw_array_bytes(m->max_subjects, sizeof(*m->devctr_m)));
	if (m->buckets_m)
		munmap(m->buckets_m, mw_array_bytes(m->max_subjects, sizeof(*m->buckets_m)));
	if (m->readonly) {
		free(m->ctlm);
		free(m->mactab_m);
		free(m->ouitab_m);
		free(m->ip4tab_m);
	} else {
		if (m->ctlm)
			munmap(m->ctlm, sysconf(_SC_PAGESIZE));
		if (m->mactab_m)
			munmap(m->mactab_m, tab_bytes(m->mac_bits));
		if (m->ouitab_m)
			munmap(m->ouitab_m, tab_bytes(m->oui_bits));
		if (m->ip4tab_m)
			munmap(m->ip4tab_m, tab_bytes(m->ip4_bits));
	}
	if (m->disctab_m)	/* mapped by both openers */
		munmap(m->disctab_m, disctab_bytes());
	m->disctab_m = NULL;
	m->viewed = 0;
	m->subjects_m = NULL;
	m->devctr_m = NULL;
	m->buckets_m = NULL;
	m->ctlm = NULL;
	m->mactab_m = m->ouitab_m = m->ip4tab_m = NULL;
	for (i = 0; i < NMAPS; i++) {
		int *fd = map_slot(m, i);

		if (*fd > 0)
			close(*fd);
		*fd = -1;
	}
}

static void schema_message(const char *pin_dir, unsigned schema, char *err, size_t errlen)
{
	SETERR("pinned state in %s has schema %u, this modwall speaks schema %d. "
	       "To migrate: save what you need with the modwall that created it "
	       "('modwall stats --json > counters.json'), then 'modwall unload --all' "
	       "(its counters go), 'modwall load' each interface and 'modwall apply' "
	       "the policy again with this one", pin_dir, schema, MW_SCHEMA_VERSION);
}

/* Pins of another schema may lack maps this one has: say so before "incomplete". */
static int schema_mismatch(int ctl, const char *pin_dir, char *err, size_t errlen)
{
	struct mw_ctl c;
	__u32 zero = 0;

	if (ctl < 0 || bpf_map_lookup_elem(ctl, &zero, &c) || c.schema == MW_SCHEMA_VERSION)
		return 0;
	schema_message(pin_dir, c.schema, err, errlen);
	return 1;
}

/* Is any of the maps pinned in @pin_dir? */
static int any_pin(const char *pin_dir)
{
	char path[512];
	size_t i;

	for (i = 0; i < NMAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, mw_map_names[i]);
		if (!access(path, F_OK))
			return 1;
	}
	return 0;
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
		snprintf(path, sizeof(path), "%s/%s", pin_dir, mw_map_names[i]);
		*map_slot(m, i) = bpf_obj_get_opts(path, &go);
		if (*map_slot(m, i) < 0) {
			rc = -errno;
			if (rc == -ENOENT && i && schema_mismatch(m->ctl, pin_dir, err, errlen)) {
				mw_maps_close(m);
				return -EPROTO;
			}
			mw_maps_close(m);
			if (rc == -ENOENT && (i || any_pin(pin_dir))) {
				SETERR("pinned state in %s is incomplete: %s is missing (removed by "
				       "hand?); 'modwall unload --all' removes the rest (counters "
				       "are lost), then load again", pin_dir, mw_map_names[i]);
				return -EIO;
			}
			if (rc == -ENOENT)
				SETERR("modwall is not loaded (no %s); run 'modwall load IFACE'", path);
			else
				SETERR("%s: %s", path, strerror(-rc));
			return rc;
		}
	}
	if (schema_mismatch(m->ctl, pin_dir, err, errlen)) {
		mw_maps_close(m);
		return -EPROTO;
	}
	rc = maps_finish(m, err, errlen);
	if (rc) {
		mw_maps_close(m);
		return rc;
	}
	if (readonly) {
		/* the discovery table read-only through a writable fd, if the caller may have one */
		int fd;

		snprintf(path, sizeof(path), "%s/%s", pin_dir, MW_MAP_DISCTAB);
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			map_disctab(fd, PROT_READ, &m->disctab_m, NULL, 0);
			close(fd);
		}
	}
	if (m->ctlm->schema != MW_SCHEMA_VERSION) {	/* the same maps, other meanings */
		schema_message(pin_dir, m->ctlm->schema, err, errlen);
		mw_maps_close(m);
		return -EPROTO;
	}
	return 0;
}

int mw_maps_tables(struct mw_maps *m, char *err, size_t errlen)
{
	int rc;

	if (m->mactab_m && m->ouitab_m && m->ip4tab_m)
		return 0;
	rc = m->mactab_m ? 0 : copy_tab(m->mactab, MW_MAP_MACTAB, &m->mactab_m, &m->mac_bits,
					err, errlen);
	if (!rc && !m->ouitab_m)
		rc = copy_tab(m->ouitab, MW_MAP_OUITAB, &m->ouitab_m, &m->oui_bits, err, errlen);
	if (!rc && !m->ip4tab_m)
		rc = copy_tab(m->ip4tab, MW_MAP_IP4TAB, &m->ip4tab_m, &m->ip4_bits, err, errlen);
	return rc;
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
	m->devcounters = dup(bpf_map__fd(skel->maps.mw_devcounters));
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
	m->ip4tab = dup(bpf_map__fd(skel->maps.mw_ip4tab));
	m->events = dup(bpf_map__fd(skel->maps.mw_events));
	m->evctl = dup(bpf_map__fd(skel->maps.mw_evctl));
	m->evstats = dup(bpf_map__fd(skel->maps.mw_evstats));
	m->discovered = dup(bpf_map__fd(skel->maps.mw_discovered));
	m->evgate = dup(bpf_map__fd(skel->maps.mw_evgate));
	m->tunnels = dup(bpf_map__fd(skel->maps.mw_tunnels));
	m->flows = dup(bpf_map__fd(skel->maps.mw_flows));
	m->flowmiss = dup(bpf_map__fd(skel->maps.mw_flowmiss));
	m->flowstats = dup(bpf_map__fd(skel->maps.mw_flowstats));
	m->names = dup(bpf_map__fd(skel->maps.mw_names));
	m->namerules = dup(bpf_map__fd(skel->maps.mw_namerules));
	m->dns = dup(bpf_map__fd(skel->maps.mw_dns));
	m->dnsq = dup(bpf_map__fd(skel->maps.mw_dnsq));
	m->dnsctl = dup(bpf_map__fd(skel->maps.mw_dnsctl));
	m->dnsstats = dup(bpf_map__fd(skel->maps.mw_dnsstats));
	m->asked = dup(bpf_map__fd(skel->maps.mw_asked));
	m->clock = dup(bpf_map__fd(skel->maps.mw_clock));
	m->disctab = dup(bpf_map__fd(skel->maps.mw_disctab));
	return maps_finish(m, err, errlen);
}

int mw_ctl_sync_roles(struct mw_maps *m)
{
	uint32_t n = 0;
	__u32 k;

	for (k = 0; k < MW_MAX_IFACES; k++) {
		struct mw_iface v;

		if (bpf_map_lookup_elem(m->ifaces, &k, &v))
			return -errno;
		n += v.ifindex && v.role == MW_ROLE_WAN;
	}
	__atomic_store_n(&m->ctlm->wan_ifaces, n, __ATOMIC_RELEASE);
	return 0;
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

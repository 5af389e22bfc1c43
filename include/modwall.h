/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * modwall kernel/user ABI.
 *
 * This header is the only contract between bpf/ and user/. Every map key,
 * value, enum and limit shared by the two lives here, once. Enum values are
 * stable: they are exported in counters, JSON and metrics, so a value is
 * never renumbered; a retired one stays as a placeholder.
 *
 * Any change to a struct below or to the meaning of a map bumps
 * MW_SCHEMA_VERSION; the loader refuses pinned state of another version.
 */
#ifndef MODWALL_H
#define MODWALL_H

#include <linux/types.h>

#define MW_SCHEMA_VERSION	6
#define MW_VERSION		"0.1.0"

/* Where the loader pins links and maps (a bpffs mount). */
#define MW_PIN_ROOT		"/sys/fs/bpf"
#define MW_PIN_DIR		MW_PIN_ROOT "/modwall"

/* Limits. */
#define MW_MAX_IFACES		64	/* interface slots (per-iface defaults, counters) */
#define MW_NAME_LEN		32	/* device/class/policy names, NUL included */
#define MW_IFNAME_LEN		16	/* IFNAMSIZ */
#define MW_MAX_VLAN		2	/* 802.1ad + 802.1Q */
#define MW_MAX_IPV6_EXT		8	/* extension headers walked before giving up */
#define MW_MAX_GTP_EXT		4	/* GTP-U extension headers walked before giving up */
#define MW_GTPU_PORT		2152	/* GTP-U's UDP port (3GPP TS 29.281) */
#define MW_DEFAULT_SUBJECTS	16384	/* default size of the subject id space */
#define MW_MAX_SUBJECTS		(1u << 22)

/*
 * Subject ids. A subject is what counters are kept for: a tagged device or a
 * vendor class. Id 0 is the "unattributed" subject (nothing matched); ids
 * are stable across applies for the same name. Classes take ids below
 * MW_PCPU_IDS, devices ids from MW_PCPU_IDS up (then below it, when the
 * loaded maps are full): see "Counters".
 */
#define MW_SUBJECT_NONE		0

/*
 * Enums that userspace prints or parses are written once, as X-macro
 * lists X(ENUMERATOR, VALUE, "name"): the enum below and every name table
 * (stats, show, metrics, JSON, the policy language, the reference model)
 * expand the same list. Names are stable: scripts and dashboards use them.
 */
#define MW_ENUM_ENTRY(e, v, n)	e = v,

#define MW_ACTIONS(X)						\
	X(MW_ACT_PASS,		0, "pass")			\
	X(MW_ACT_DROP,		1, "drop")			\
	X(MW_ACT_OBSERVE,	2, "observe")	/* count, then pass */

enum mw_action {
	MW_ACTIONS(MW_ENUM_ENTRY)
	MW_ACT_MAX,
};
/*
 * Allow-lists and rate limits are not actions of their own: they are
 * flags on a pass or observe subject (MW_SF_ALLOW, MW_SF_RATE) that send
 * the frame through the checks below before its action applies.
 */

/* Sentinel in mw_config.if_default: the interface follows the policy default. */
#define MW_ACT_INHERIT		0xff

/*
 * Verdict reasons: why a frame got its verdict. Counters are kept per
 * subject x reason (see "Counters" below) and per interface slot x reason
 * (per CPU).
 */
#define MW_REASONS(X)							\
	/* passed by policy (or by default, subject 0) */		\
	X(MW_R_PASS,		0, "pass")				\
	/* dropped by policy (or by default, subject 0) */		\
	X(MW_R_DROP,		1, "drop")				\
	/* observed: counted and passed */				\
	X(MW_R_OBSERVE,		2, "observe")				\
	/* truncated or malformed headers */				\
	X(MW_R_MALFORMED,	3, "malformed")				\
	/* no policy applied yet: the fail mode decided */		\
	X(MW_R_NO_POLICY,	4, "no_policy")				\
	/* destination not in the subject's allow-list */		\
	X(MW_R_NOT_ALLOWED,	5, "not_allowed")			\
	/* over the subject's rate limit */				\
	X(MW_R_RATE_LIMITED,	6, "rate_limited")			\
	/* GTP-U signalling on an n3 interface (echo, error	\
	 * indication, end marker, ...): counted and passed */	\
	X(MW_R_TUNNEL_SIGNAL,	7, "tunnel_signal")

enum mw_reason {
	MW_REASONS(MW_ENUM_ENTRY)
	MW_NR_REASONS		= 8,	/* stride of the counter arrays; power of two */
};

#define MW_ROLES(X)							\
	X(MW_ROLE_LAN,	0, "lan")	/* the device is the frame's source */	\
	X(MW_ROLE_WAN,	1, "wan")	/* the device is the frame's destination */	\
	/* GTP-U (3GPP N3/S1-U): the device is inside the tunnel */		\
	X(MW_ROLE_N3,	2, "n3")

enum mw_role {
	MW_ROLES(MW_ENUM_ENTRY)
};

#define MW_KINDS(X)							\
	X(MW_KIND_FREE,		0, "-")		/* slot unused */	\
	X(MW_KIND_DEVICE,	1, "device")				\
	X(MW_KIND_CLASS,	2, "class")				\
	X(MW_KIND_UNKNOWN,	3, "unattributed")	/* subject 0 */

enum mw_subject_kind {
	MW_KINDS(MW_ENUM_ENTRY)
};

/*
 * Configuration is double-buffered: every identity key carries the
 * generation (0 or 1) it belongs to, and mw_ctl.gen names the live one.
 * apply fills the other generation, flips mw_ctl.gen with one aligned
 * store through mmap, waits for an RCU grace period, then deletes the old
 * generation's keys. The data path reads gen once per frame, so each frame
 * sees exactly one policy.
 */
struct mw_ctl {
	__u32 gen;		/* live generation: 0 or 1 */
	__u32 applied;		/* 0 until the first apply: fail-open/closed rules */
	__u32 schema;		/* MW_SCHEMA_VERSION of the creator */
	__u32 max_subjects;	/* size of the subject id space */
	__u64 seq;		/* number of successful applies */
	__u64 applied_ns;	/* CLOCK_REALTIME of the last apply */
	__u32 wan_ifaces;	/* interfaces loaded --role wan (load and unload keep it) */
	__u32 tomb_epoch;	/* grace periods waited for tombstones (see mw_ip4tab) */
};

/* mw_config.lookups: which identity maps hold entries in this generation. */
#define MW_LK_MAC	(1u << 0)
#define MW_LK_IP4	(1u << 1)
#define MW_LK_IP6	(1u << 2)
#define MW_LK_LPM4	(1u << 3)
#define MW_LK_LPM6	(1u << 4)
#define MW_LK_OUI	(1u << 5)
#define MW_LK_MACTAB	(1u << 6)	/* probe the open-addressing tables first */
#define MW_LK_OUITAB	(1u << 7)

/* Per-generation policy header: mw_config[gen]. */
struct mw_config {
	__u8 default_action;		/* enum mw_action for unattributed frames */
	__u8 lookups;			/* MW_LK_* */
	__u8 mac_bits;			/* log2 of the slots per generation in mw_mactab */
	__u8 oui_bits;			/* ... in mw_ouitab */
	__u32 nsubjects;		/* highest live subject id + 1 */
	__u8 if_default[MW_MAX_IFACES];	/* per-slot override or MW_ACT_INHERIT */
	__u8 ip4_bits, pad[3];		/* ... in mw_ip4tab; 0: not probed (no MW_LK_ bit) */
};

/* Value of every identity map: who the frame belongs to and what to do. */
struct mw_subject {
	__u32 id;		/* subject id: counter index */
	__u8 action;		/* enum mw_action */
	__u8 flags;		/* MW_SF_* (vendor-prefix entries) */
	__u16 policy;		/* policy index (allow-lists, rate limits) */
};

/* Flags on a /24 vendor entry: longer assignments exist inside it. */
#define MW_SF_HAS_MAM	(1u << 0)	/* probe /28 */
#define MW_SF_HAS_MAS	(1u << 1)	/* probe /36 */
/* Flags on any subject entry: its policy has these checks. */
#define MW_SF_ALLOW	(1u << 2)	/* remote address/port must be in the allow-list */
#define MW_SF_RATE	(1u << 3)	/* token bucket mw_buckets[id] */
#define MW_SF_FLOWS	(1u << 4)	/* keep the subject's flows in mw_flows */
#define MW_SF_NAMES	(1u << 5)	/* its policy allows by DNS name: probe mw_names too */

/*
 * Enforcement (allow-lists and rate limits) is indexed by policy, not by
 * device: devices sharing a policy share its entries.
 */
#define MW_MAX_POLICIES		1024	/* per generation, built-ins included */
#define MW_MAX_RULES		16	/* rules that apply to one allow-list prefix */
#define MW_MAX_ALLOW		262144	/* allow-list prefixes per generation and family */

/*
 * Allow-list: LPM tries keyed by (generation, policy, remote prefix). The
 * value holds every rule of the policy whose prefix contains the key's, so
 * the longest match alone decides. An empty rule list never occurs.
 */
#define MW_SCOPE(gen, policy)	(((__u32)(gen) << 16) | (__u32)(policy))

struct mw_allow4_key {
	__u32 prefixlen;	/* 32 + prefix length */
	__u32 scope;		/* MW_SCOPE(gen, policy) */
	__u32 addr;
};

struct mw_allow6_key {
	__u32 prefixlen;	/* 32 + prefix length */
	__u32 scope;
	__u8 addr[16];
};

/* mw_rule.flags */
#define MW_RF_PORTS	(1u << 0)	/* lo..hi is a port (TCP/UDP) or ICMP type range */
/*
 * TCP, stateless: which end may open a connection. With MW_RF_INIT_DEVICE
 * a SYN without ACK from the remote end does not match the rule; with
 * MW_RF_INIT_REMOTE one from the device does not (RFC 8520's
 * direction-initiated).
 */
#define MW_RF_INIT_DEVICE	(1u << 1)
#define MW_RF_INIT_REMOTE	(1u << 2)

struct mw_rule {
	__u8 proto;		/* IPPROTO_*, 0 for any */
	__u8 flags;		/* MW_RF_* */
	__u16 lo, hi;		/* host order, inclusive */
	__u16 pad;
};

struct mw_allow_val {
	__u32 n;		/* rules in use, 1..MW_MAX_RULES */
	struct mw_rule rule[MW_MAX_RULES];
};

/*
 * Allow rules by DNS name. Userspace learns which addresses the names of
 * a policy's name rules resolve to (from the DNS answers that reach the
 * devices, see below) and keeps, per generation, policy and address, the
 * rules of the names that address answers to in mw_names. A frame that the
 * prefix allow-list does not allow is allowed when its remote address has
 * a matching entry there. apply writes the other generation's entries from
 * the learned names (mw_dns) and the new policy's name rules
 * (mw_namerules), so a flip carries them along.
 */
struct mw_name_key {
	__u32 scope;		/* MW_SCOPE(gen, policy) */
	__u8 family;		/* AF_INET or AF_INET6 */
	__u8 pad[3];
	__u8 addr[16];		/* IPv4 in the first 4 bytes */
};

#define MW_MAX_NAMERULES	1024	/* name rules per generation */
#define MW_DNS_NAME_LEN		256	/* a DNS name in text, NUL included */

/* mw_namerules[gen * MW_MAX_NAMERULES + i]: the name rules of a generation (userspace only). */
struct mw_namerule {
	__u16 policy;
	__u8 used;
	__u8 pad;
	struct mw_rule rule;
	char pattern[MW_DNS_NAME_LEN];	/* "a.example.com" or "*.example.com" */
};

/* mw_dns: what the names resolved to, learned from answers (userspace only). */
struct mw_dns_key {
	__u8 family;
	__u8 pad[7];
	__u8 addr[16];
	char name[MW_DNS_NAME_LEN];	/* lower case, no trailing dot */
};

struct mw_dns_val {
	__u64 expires_ns;	/* CLOCK_MONOTONIC: TTL plus the grace, from the last answer */
	__u64 first_ns;		/* CLOCK_MONOTONIC of the first answer */
	__u32 ttl;		/* of the last answer, seconds */
	__u32 subject;		/* who received the last answer */
};

/* mw_asked: the names each device asked for (userspace only; LRU-bounded). */
struct mw_asked_key {
	__u32 subject;
	char name[MW_DNS_NAME_LEN];	/* the question, lower case, no trailing dot */
};

struct mw_asked_val {
	__u64 first_ns, last_ns;	/* CLOCK_MONOTONIC of the first and last answer */
	__u64 count;			/* answers to it the device received */
};

/*
 * Learning without a race: a device uses an answer sooner than a learner
 * could install its addresses, so the lan tc egress program holds DNS
 * answers (UDP from port 53) to devices whose policy has name rules: it
 * copies them to the mw_dnsq ring and drops them; modwalld learns the
 * addresses and sends the frame again with skb mark MW_DNS_MARK, judged
 * and counted then. Answers to flows devices, longer than MW_DNS_SNAP, or
 * fragments are copied, not held; nothing is held unless the learner's
 * beat (mw_dnsctl.alive_ns) is younger than MW_DNS_ALIVE_NS.
 */
#define MW_DNS_MARK		0x4d570d05u
#define MW_DNS_SNAP		2048	/* bytes of a held frame: a power of two */
#define MW_DNS_ALIVE_NS		3000000000ull
#define MW_DNSQ_BYTES		(1024 * 1024)

struct mw_dnsctl {		/* mw_dnsctl[0] */
	__u64 alive_ns;		/* bpf_ktime_get_coarse_ns() base: the learner's last beat */
	__u32 pid;		/* the learner */
	__u32 flags;		/* MW_DNSCTL_* */
};

/* Copy answers, never hold them: learning then races the device (diagnostics). */
#define MW_DNSCTL_NO_HOLD	(1u << 0)

/* mw_dnsq records */
#define MW_DNSQ_HELD	(1u << 0)	/* dropped here: the learner must send it on */

struct mw_dnsq_rec {
	__u32 ifindex;		/* the lan interface it was going out of */
	__u32 subject;		/* the device it was going to */
	__u16 len;		/* bytes of data[] in use */
	__u16 flags;		/* MW_DNSQ_* */
	__u32 frame_len;	/* the frame's length */
	__u8 data[MW_DNS_SNAP];
};

enum mw_dnsstat {		/* mw_dnsstats[] (per CPU) */
	MW_DS_HELD = 0,		/* answers held for the learner */
	MW_DS_COPIED = 1,	/* answers copied, not held */
	MW_DS_RING_FULL = 2,	/* no room in mw_dnsq: passed unheld */
	MW_DS_RELEASED = 3,	/* held answers sent on (seen back with the mark) */
	MW_DS_NR = 4,
};

/*
 * Counters: every frame counted once, under (subject, reason), in one place:
 *  - ids below MW_PCPU_IDS (the unattributed subject 0, vendor classes:
 *    shared by many devices, counted by every CPU at once): per CPU,
 *    mw_counters[id * MW_NR_REASONS + reason];
 *  - devices (ids from MW_PCPU_IDS up): one 64-byte line each shared by
 *    all CPUs (atomic adds), mw_devcounters[id], cells MW_DEV_CELL(reason)
 *    for pass, drop, observe, not_allowed; rate_limited and malformed in
 *    the device's mw_buckets[id] line. A device never gets no_policy (a
 *    frame whose policy entry is missing is unattributed) nor tunnel_signal.
 * A device's memory does not multiply by the CPU count, and a frame touches
 * one counter line. Readers: mw_read_subject_counters (user/lib/maps_read.c).
 */
#define MW_PCPU_IDS		1024
#define MW_DEV_CELLS		4
#define MW_DEV_CELL(r)		((r) == MW_R_NOT_ALLOWED ? 3 : (r) <= MW_R_OBSERVE ? (int)(r) : -1)

struct mw_counter {
	__u64 packets;
	__u64 bytes;
};

struct mw_devctr {		/* mw_devcounters[id], id >= MW_PCPU_IDS */
	struct mw_counter c[MW_DEV_CELLS];
};

/*
 * Rate limits: GCRA ("virtual scheduling") on a theoretical arrival time
 * per device, direction and unit, in MW_RATE_SHIFT fractions of a
 * nanosecond of bpf_ktime_get_ns(). A frame conforms when the bucket's
 * time is at most `tau` ahead of now; it then moves the time by its cost.
 * Updates are compare-and-swap: one bucket serves all CPUs.
 */
#define MW_RATE_SHIFT		4	/* time unit: 1/16 ns */
#define MW_BYTE_COST_SHIFT	16	/* byte_cost is fixed point */

struct mw_policy_cfg {		/* mw_policies[gen * MW_MAX_POLICIES + policy] */
	__u64 pkt_cost;		/* per packet, time units; 0: no packet limit */
	__u64 pkt_tau;		/* tolerance: (burst - 1) * pkt_cost */
	__u64 byte_cost;	/* per byte, time units << MW_BYTE_COST_SHIFT; 0: none */
	__u64 byte_tau;		/* tolerance, time units */
	__u64 pps;		/* the configured limits, for display */
	__u64 bps;
};

/*
 * mw_buckets[id]: one cache line per subject. Besides the GCRA state it
 * holds a device's counters of the two reasons its hot line (struct
 * mw_devctr) has no cell for: rate_limited (the frame has just touched
 * this line) and malformed (rare). Userspace resets the state through
 * mmap and leaves the counters alone.
 */
struct mw_bucket {
	__u64 pkt_tat[2];	/* by role: lan (uploads), wan (downloads) */
	__u64 byte_tat[2];
	struct mw_counter limited;	/* MW_R_RATE_LIMITED, ids >= MW_PCPU_IDS */
	struct mw_counter malformed;	/* MW_R_MALFORMED, ids >= MW_PCPU_IDS */
};

/*
 * Identity map keys.
 *
 * MAC exact:   __u64 = gen << 48 | mac (mac as a 48-bit big-endian number)
 * Vendor:      __u64 = gen << 63 | bits << 48 | (mac & mask(bits)),
 *              bits in {24, 28, 36}
 * IPv4 exact:  __u64 = gen << 32 | addr (network byte order, as loaded)
 */
#define MW_MAC_KEY(gen, mac)	(((__u64)(gen) << 48) | (mac))
#define MW_OUI_KEY(gen, bits, mac) \
	(((__u64)(gen) << 63) | ((__u64)(bits) << 48) | \
	 ((mac) & (0xffffffffffffull << (48 - (bits))) & 0xffffffffffffull))
#define MW_IP4_KEY(gen, addr)	(((__u64)(gen) << 32) | (__u32)(addr))
/* IMEI -> subject (userspace only: lets `bind` reach the live policy). */
#define MW_IMEI_KEY(gen, body)	(((__u64)(gen) << 63) | (body))

struct mw_ip6_key {
	__u32 gen;
	__u8 addr[16];
};

/* LPM keys: prefixlen covers gen (32 bits, always matched) + address bits. */
struct mw_lpm4_key {
	__u32 prefixlen;	/* 32 + prefix length */
	__u32 gen;
	__u32 addr;
};

struct mw_lpm6_key {
	__u32 prefixlen;	/* 32 + prefix length */
	__u32 gen;
	__u8 addr[16];
};

/*
 * Exact-match tables of MACs, vendor prefixes and IPv4 addresses: open
 * addressing, linear probing, mmapable arrays, one half per generation
 * (slot index gen << bits | slot). Array lookups are inlined by the
 * verifier: a probe costs a multiply and a load, not a hash-map call.
 * apply writes the inactive half through mmap. A key that finds no free
 * slot within MW_TAB_PROBES goes to the hash map (mw_mac, mw_oui, mw_ip4)
 * and marks the last slot of its window MW_SLOT_OVERFLOW, so only lookups
 * through that window consult the hash map. An empty slot ends a probe.
 *
 * Keys: the 48-bit MAC; bits << 48 | prefix; the IPv4 address as loaded.
 * The live IPv4 half also changes (bindings, neighbours: user/lib/ident.h):
 * a removed key leaves a tombstone, MW_SLOT_GONE | mw_ctl.tomb_epoch, that
 * matches nothing; a matching slot whose subject id is 0 is a miss.
 */
#define MW_TAB_PROBES		8
#define MW_SLOT_VALID		(1ull << 63)
#define MW_SLOT_OVERFLOW	(1ull << 62)
#define MW_SLOT_KEY		((1ull << 62) - 1)
#define MW_SLOT_GONE		(1ull << 61)	/* a tombstone (IPv4 table) */
#define MW_TAB_HASH(key, bits)	((__u32)(((key) * 0x9E3779B97F4A7C15ull) >> (64 - (bits))))
#define MW_TAB_MIN_BITS		8
#define MW_TAB_MAX_BITS		24

struct mw_slot {
	__u64 key;		/* MW_SLOT_VALID | MW_SLOT_OVERFLOW | key */
	struct mw_subject v;
};

/*
 * Drop events: every dropped frame may become an event in the mw_events
 * ring buffer, with its first MW_EVENT_SNAP bytes. A global GCRA bucket
 * (mw_evctl, rate and burst set by userspace; cost 0 turns events off)
 * bounds them, so a flood cannot swamp the reader; in front of it, each
 * CPU offers at most mw_evctl.per_tick drops per clock tick (mw_evgate;
 * at least MW_EVGATE_PER_TICK, more for a cap above what that lets through),
 * which keeps the precise clock off the drop path during a flood.
 * mw_evstats counts (per CPU) what became of every drop while events are
 * on: emitted, suppressed by the cap, or lost to a full ring.
 */
#define MW_EVENT_SNAP		128
#define MW_RINGBUF_BYTES	(256 * 1024)

struct mw_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns() */
	__u32 ifindex;
	__u32 subject;
	__u16 reason;		/* enum mw_reason */
	__u16 caplen;		/* bytes of data[] in use */
	__u32 len;		/* frame length */
	__u8 data[MW_EVENT_SNAP];
};

#define MW_EVGATE_PER_TICK	16

struct mw_evgate {		/* mw_evgate[0], per CPU */
	__u64 jiffy;		/* bpf_jiffies64() of the current window */
	__u64 offered;		/* drops offered to the cap in it */
};

struct mw_evctl {		/* mw_evctl[0] */
	__u64 tat;		/* GCRA state, MW_RATE_SHIFT units */
	__u64 cost;		/* per event; 0: events off */
	__u64 tau;
	__u64 rate;		/* events/s and burst, for display */
	__u64 burst;
	__u64 per_tick;		/* gate: drops a CPU offers per tick (>= MW_EVGATE_PER_TICK) */
	__u64 pad[2];
};

enum mw_evstat {
	MW_EV_EMITTED = 0,
	MW_EV_SUPPRESSED = 1,	/* over the rate cap */
	MW_EV_RING_FULL = 2,	/* no room in the ring: the reader is behind */
	MW_EV_NR = 4,
};

/*
 * Discovery: a frame attributed to a vendor class (no tagged device) puts
 * its MAC in the mw_discovered LRU map: first and last seen, counters,
 * the class and the last IP address.
 */
#define MW_DISCOVERED_MAX	65536

struct mw_disc_val {
	__u64 first_ns, last_ns;	/* bpf_ktime_get_ns() */
	__u64 packets, bytes;
	__u32 subject;		/* the class */
	__u32 ifindex;
	__u8 family;		/* AF_INET, AF_INET6 or 0 */
	__u8 pad[7];
	__u8 addr[16];		/* last source (lan) or destination (wan) address */
};

/*
 * Discovery table (mw_disctab, mmapable): one cache line per discovered
 * MAC, open addressing by MW_TAB_HASH(mac, MW_DISCTAB_BITS) over a window
 * of MW_TAB_PROBES slots. A free slot (key 0) is claimed by compare-and-
 * swap of its key; counters are added atomically; slots are never freed.
 * A MAC whose window is full goes to the mw_discovered LRU map instead:
 * readers take both. first_ns is 0 while a slot is being claimed. The last
 * address is IPv6 or ::ffff:a.b.c.d (all zero: none; :: is not recorded),
 * written, like subject and interface, only when it changes.
 */
#define MW_DISCTAB_BITS		17
#define MW_DISCTAB_SLOTS	(1u << MW_DISCTAB_BITS)	/* 2 * MW_DISCOVERED_MAX: load <= 1/2 */

struct mw_disc_slot {
	__u64 key;		/* MW_SLOT_VALID | mac; 0: free */
	__u64 packets, bytes;
	__u64 last_ns;		/* mw_now() of the last frame (never moves back) */
	__u64 first_ns;		/* of the first; 0 while the slot is being claimed */
	__u32 subject;		/* the class */
	__u32 ifindex;
	__u8 addr[16];		/* last address (see above) */
};

/*
 * Tunnels: on an n3 interface, every G-PDU judged puts its subject's
 * mw_tunnels[id] record up by one (an atomic add: one record per subject,
 * shared by all CPUs) and records the outer peer (the base station: the
 * outer source on uplink, the outer destination on downlink), the TEID
 * and the time; those are written only when they change, and the last
 * writer wins.
 */
#define MW_DIRS(X)							\
	X(MW_DIR_UP,	0, "uplink")	/* outer UDP destination port 2152 */	\
	X(MW_DIR_DOWN,	1, "downlink")	/* outer UDP source port 2152 only */

enum mw_dir {
	MW_DIRS(MW_ENUM_ENTRY)
};

struct mw_tunnel {
	__u64 frames;		/* G-PDUs of this subject */
	__u64 seen_ns;		/* bpf_ktime_get_coarse_ns() of the last one */
	__u32 teid;		/* its TEID, host order */
	__u32 ifindex;
	__u8 family;		/* AF_INET or AF_INET6 of the outer peer; 0: never seen */
	__u8 dir;		/* enum mw_dir of the last one */
	__u8 pad[6];
	__u8 peer[16];		/* outer peer address (IPv4 in the first 4 bytes) */
};

/*
 * Flows: where subjects send their data. Every frame (but malformed ones)
 * of a subject whose policy keeps flows (MW_SF_FLOWS: the `flows`
 * statement; always for the built-in observe policy) is added to
 * mw_flows[key], or to mw_flowmiss[subject] when the table is full: so
 * sum(flows) + mw_flowmiss == the subject's counters over every reason but
 * malformed. The key is the remote end as the device sees it: family,
 * address, L4 protocol and remote port, or ICMP type with echo replies
 * folded onto requests (0 without an L4 header); not IP: family 0, port =
 * EtherType. A class's member is the device's MAC (0 for a tagged device).
 * One hash map for all CPUs (atomic adds); entries stay until userspace
 * takes them (lookup-and-delete); the data path never evicts.
 */
#define MW_FDIRS(X)							\
	X(MW_FDIR_OUT,	0, "out")	/* from the device */		\
	X(MW_FDIR_IN,	1, "in")	/* to the device */

enum mw_fdir {
	MW_FDIRS(MW_ENUM_ENTRY)
};

#define MW_DEFAULT_FLOWS	65536
#define MW_MAX_FLOWS		(1u << 24)

struct mw_flow_key {
	__u32 subject;
	__u8 family;		/* AF_INET, AF_INET6, 0: not IP */
	__u8 proto;		/* IPPROTO_*, 0 when not IP */
	__u16 port;		/* host order: see above */
	__u64 member;		/* class subjects: the member's MAC; else 0 */
	__u8 addr[16];		/* remote address (IPv4 in the first 4 bytes) */
};

struct mw_flow {
	__u64 packets[2];	/* by enum mw_fdir */
	__u64 bytes[2];
	__u64 dropped[2];	/* packets of those that modwall dropped */
	__u64 first_ns;		/* bpf_ktime_get_coarse_ns() (CLOCK_MONOTONIC) */
	__u64 last_ns;
};

/*
 * mw_clock[0] (per CPU): the time flows, discovery and tunnels are stamped
 * with, read once per clock tick: bpf_jiffies64() costs a load, the coarse
 * clock a sequence-counted read of the timekeeper, and both move once a
 * tick.
 */
struct mw_clock {
	__u64 jiffy;		/* bpf_jiffies64() when @ns was read */
	__u64 ns;		/* bpf_ktime_get_coarse_ns() then */
};

/* mw_flowstats[] (per CPU): global flow-table accounting. */
enum mw_flowstat {
	MW_FS_CREATED = 0,	/* entries the data path created */
	MW_FS_FULL = 1,		/* frames that found the table full (see mw_flowmiss) */
	MW_FS_NR = 4,
};

/*
 * tc egress on lan interfaces: frames going to a device, after the
 * gateway's de-NAT, are attributed by destination MAC then destination
 * address and judged as downloads (allow-list by source, download rate).
 * On a routed gateway with a wan interface loaded (mw_ctl.wan_ifaces), the
 * downloads were judged when they entered there: the tc program lets
 * every frame through uncounted. Interface counters: mw_ifcounters at
 * MW_IFC_EGRESS(slot); the filter's clsact egress handle and priority:
 */
#define MW_TC_HANDLE		0x4d57	/* "MW" */
#define MW_TC_PRIO		1
#define MW_IFC_EGRESS(slot)	(MW_MAX_IFACES + (slot))


/* Subject table (userspace bookkeeping, read by show/stats). */
struct mw_subject_info {
	char name[MW_NAME_LEN];
	__u8 kind;		/* enum mw_subject_kind */
	__u8 gens;		/* bit g set: present in generation g */
	__u8 action[2];		/* action per generation */
	__u16 policy[2];	/* policy index per generation */
};

/* Interface slots: one per attached interface. */
struct mw_iface {
	__u32 ifindex;		/* 0: free slot */
	__u8 role;		/* enum mw_role */
	__u8 xdp_mode;		/* enum mw_xdp_mode */
	__u8 fail_action;	/* enum mw_action when no policy is applied */
	__u8 malformed_action;	/* enum mw_action for malformed frames */
	char name[MW_IFNAME_LEN];
	__u32 prog_id;		/* the interface's modwall program */
	__u32 link_id;		/* exclusive: the pinned XDP link */
	__u64 loaded_ns;	/* CLOCK_REALTIME of the last load */
	__u8 attach;		/* enum mw_attach */
	__u8 pad;
	__u16 run_prio;		/* libxdp: the entry's run priority */
	__u32 entry_id;		/* libxdp: the entry program in the dispatcher */
	__u32 netns;		/* inode of the loader's network namespace */
	__u32 tc_prog_id;	/* lan: the tc egress program; 0: none */
};

/*
 * IMEI -> address bindings (from `modwall bind`, later RADIUS accounting):
 * kept in a pinned map so they outlive the CLI; apply turns the bindings of
 * IMEI devices into mw_ip4/mw_ip6/mw_lpm* entries. Not read by the data path.
 */
struct mw_bind_key {
	__u64 imei;		/* 14-digit TAC + serial */
	__u8 family;		/* AF_INET or AF_INET6 */
	__u8 len;		/* prefix length */
	__u8 pad[6];
	__u8 addr[16];
};

struct mw_bind_val {
	__u64 created_ns;	/* CLOCK_REALTIME */
	__u32 source;		/* enum mw_bind_source */
	__u32 pad;
};

#define MW_BIND_SOURCES(X)						\
	X(MW_BIND_CLI,		0, "cli")				\
	X(MW_BIND_RADIUS,	1, "radius")

enum mw_bind_source {
	MW_BIND_SOURCES(MW_ENUM_ENTRY)
};

#define MW_XDP_MODES(X)							\
	X(MW_MODE_NATIVE,	0, "native")				\
	X(MW_MODE_GENERIC,	1, "generic")

enum mw_xdp_mode {
	MW_XDP_MODES(MW_ENUM_ENTRY)
};

/*
 * How a program reaches the interface. libxdp: an entry component in the
 * libxdp dispatcher (bpf/entry.bpf.c) tail-calls mw_progs[slot], pinned as
 * entry_IFNAME. Exclusive: the program sits alone on a bpf_link pinned as
 * link_IFNAME.
 */
#define MW_ATTACHES(X)							\
	X(MW_ATTACH_LIBXDP,	0, "libxdp")				\
	X(MW_ATTACH_EXCLUSIVE,	1, "exclusive")

enum mw_attach {
	MW_ATTACHES(MW_ENUM_ENTRY)
};

/* libxdp run priority of the entry: before xdp-filter (10) and libxdp's default (50). */
#define MW_RUN_PRIO_DEFAULT	5
#define MW_MAP_PROGS		"mw_progs"

/* Map names (also the pin file names under MW_PIN_DIR). */
#define MW_MAP_CTL		"mw_ctl"
#define MW_MAP_CONFIG		"mw_config"
#define MW_MAP_MAC		"mw_mac"
#define MW_MAP_OUI		"mw_oui"
#define MW_MAP_IP4		"mw_ip4"
#define MW_MAP_IP6		"mw_ip6"
#define MW_MAP_LPM4		"mw_lpm4"
#define MW_MAP_LPM6		"mw_lpm6"
#define MW_MAP_COUNTERS		"mw_counters"
#define MW_MAP_DEVCOUNTERS	"mw_devcounters"
#define MW_MAP_IFCOUNTERS	"mw_ifcounters"
#define MW_MAP_SUBJECTS		"mw_subjects"
#define MW_MAP_IFACES		"mw_ifaces"
#define MW_MAP_SYNC		"mw_sync"
#define MW_MAP_BINDS		"mw_binds"
#define MW_MAP_IMEI		"mw_imei"
#define MW_MAP_POLICIES		"mw_policies"
#define MW_MAP_ALLOW4		"mw_allow4"
#define MW_MAP_ALLOW6		"mw_allow6"
#define MW_MAP_BUCKETS		"mw_buckets"
#define MW_MAP_MACTAB		"mw_mactab"
#define MW_MAP_OUITAB		"mw_ouitab"
#define MW_MAP_IP4TAB		"mw_ip4tab"
#define MW_MAP_EVENTS		"mw_events"
#define MW_MAP_EVCTL		"mw_evctl"
#define MW_MAP_EVSTATS		"mw_evstats"
#define MW_MAP_DISCOVERED	"mw_discovered"
#define MW_MAP_DISCTAB		"mw_disctab"
#define MW_MAP_EVGATE		"mw_evgate"
#define MW_MAP_TUNNELS		"mw_tunnels"
#define MW_MAP_FLOWS		"mw_flows"
#define MW_MAP_FLOWMISS		"mw_flowmiss"
#define MW_MAP_FLOWSTATS	"mw_flowstats"
#define MW_MAP_CLOCK	"mw_clock"
#define MW_MAP_NAMES		"mw_names"
#define MW_MAP_NAMERULES	"mw_namerules"
#define MW_MAP_DNS		"mw_dns"
#define MW_MAP_DNSQ		"mw_dnsq"
#define MW_MAP_DNSCTL		"mw_dnsctl"
#define MW_MAP_DNSSTATS		"mw_dnsstats"
#define MW_MAP_ASKED		"mw_asked"

#ifndef __bpf__
_Static_assert(sizeof(struct mw_ctl) == 40, "mw_ctl ABI");
_Static_assert(sizeof(struct mw_config) == 12 + MW_MAX_IFACES, "mw_config ABI");
_Static_assert(sizeof(struct mw_subject) == 8, "mw_subject ABI");
_Static_assert(sizeof(struct mw_ip6_key) == 20, "mw_ip6_key ABI");
_Static_assert(sizeof(struct mw_lpm4_key) == 12, "mw_lpm4_key ABI");
_Static_assert(sizeof(struct mw_lpm6_key) == 24, "mw_lpm6_key ABI");
_Static_assert(sizeof(struct mw_counter) == 16, "mw_counter ABI");
_Static_assert(sizeof(struct mw_devctr) == 64, "mw_devctr ABI: one cache line");
_Static_assert(sizeof(struct mw_subject_info) == 40, "mw_subject_info ABI");
_Static_assert(sizeof(struct mw_iface) == 56, "mw_iface ABI");
_Static_assert(sizeof(struct mw_bind_key) == 32, "mw_bind_key ABI");
_Static_assert(sizeof(struct mw_bind_val) == 16, "mw_bind_val ABI");
_Static_assert(sizeof(struct mw_allow4_key) == 12, "mw_allow4_key ABI");
_Static_assert(sizeof(struct mw_allow6_key) == 24, "mw_allow6_key ABI");
_Static_assert(sizeof(struct mw_rule) == 8, "mw_rule ABI");
_Static_assert(sizeof(struct mw_allow_val) == 4 + 8 * MW_MAX_RULES, "mw_allow_val ABI");
_Static_assert(sizeof(struct mw_policy_cfg) == 48, "mw_policy_cfg ABI");
_Static_assert(sizeof(struct mw_bucket) == 64, "mw_bucket ABI");
_Static_assert(sizeof(struct mw_slot) == 16, "mw_slot ABI");
_Static_assert(sizeof(struct mw_event) == 24 + MW_EVENT_SNAP, "mw_event ABI");
_Static_assert(sizeof(struct mw_evctl) == 64, "mw_evctl ABI");
_Static_assert(sizeof(struct mw_disc_val) == 64, "mw_disc_val ABI");
_Static_assert(sizeof(struct mw_disc_slot) == 64, "mw_disc_slot: one cache line");
_Static_assert(MW_DISCTAB_SLOTS >= 2 * MW_DISCOVERED_MAX, "mw_disctab load <= 1/2");
_Static_assert(sizeof(struct mw_tunnel) == 48, "mw_tunnel ABI");
_Static_assert(sizeof(struct mw_flow_key) == 32, "mw_flow_key ABI");
_Static_assert(sizeof(struct mw_name_key) == 24, "mw_name_key ABI");
_Static_assert(sizeof(struct mw_namerule) == 12 + MW_DNS_NAME_LEN, "mw_namerule ABI");
_Static_assert(sizeof(struct mw_dns_key) == 24 + MW_DNS_NAME_LEN, "mw_dns_key ABI");
_Static_assert(sizeof(struct mw_dns_val) == 24, "mw_dns_val ABI");
_Static_assert(sizeof(struct mw_asked_key) == 4 + MW_DNS_NAME_LEN, "mw_asked_key ABI");
_Static_assert(sizeof(struct mw_asked_val) == 24, "mw_asked_val ABI");
_Static_assert(sizeof(struct mw_dnsq_rec) == 16 + MW_DNS_SNAP, "mw_dnsq_rec ABI");
_Static_assert((MW_DNS_SNAP & (MW_DNS_SNAP - 1)) == 0, "held frames are masked");
_Static_assert(sizeof(struct mw_flow) == 64, "mw_flow ABI");
_Static_assert((MW_NR_REASONS & (MW_NR_REASONS - 1)) == 0, "stride");
_Static_assert((MW_EVENT_SNAP & (MW_EVENT_SNAP - 1)) == 0, "snap length is masked");
#endif

#endif /* MODWALL_H */

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * modwall maps. Sizes marked "set by the loader" are placeholders that
 * user/ replaces before load (from --max-devices, or from the pinned map
 * being reused). Hash and LPM maps are not preallocated: max_entries is a
 * cap, memory follows the policy.
 */
#ifndef MW_MAPS_H
#define MW_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "modwall.h"

/* Live generation and apply bookkeeping; mmapable so apply flips gen with one store. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mw_ctl);
} mw_ctl SEC(".maps");

/* Per-generation policy header (default action, which lookups to do). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct mw_config);
} mw_config SEC(".maps");

/* Exact MAC -> subject, key MW_MAC_KEY(gen, mac). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 2 * MW_DEFAULT_SUBJECTS);	/* set by the loader */
	__type(key, __u64);
	__type(value, struct mw_subject);
} mw_mac SEC(".maps");

/* Open-addressing tables (see struct mw_slot); 2 << bits slots, set by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2 << 16);
	__type(key, __u32);
	__type(value, struct mw_slot);
} mw_mactab SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2 << 18);
	__type(key, __u32);
	__type(value, struct mw_slot);
} mw_ouitab SEC(".maps");

/* Vendor prefixes /24 /28 /36 -> class, key MW_OUI_KEY(gen, bits, mac). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 2 * 65536);
	__type(key, __u64);
	__type(value, struct mw_subject);
} mw_oui SEC(".maps");

/* Exact IPv4 -> subject (IMEI/IP-bound devices): the table, 2 << bits slots set by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2 << 15);
	__type(key, __u32);
	__type(value, struct mw_slot);
} mw_ip4tab SEC(".maps");

/* What did not fit its window of mw_ip4tab, key MW_IP4_KEY(gen, addr). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 2 * MW_DEFAULT_SUBJECTS);	/* set by the loader */
	__type(key, __u64);
	__type(value, struct mw_subject);
} mw_ip4 SEC(".maps");

/* Exact IPv6 -> subject. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 2 * MW_DEFAULT_SUBJECTS);	/* set by the loader */
	__type(key, struct mw_ip6_key);
	__type(value, struct mw_subject);
} mw_ip6 SEC(".maps");

/* IPv4 prefixes (shorter than /32) -> subject. Only probed when populated. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 2 * 4096);
	__type(key, struct mw_lpm4_key);
	__type(value, struct mw_subject);
} mw_lpm4 SEC(".maps");

/* IPv6 prefixes (shorter than /128) -> subject. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 2 * 4096);
	__type(key, struct mw_lpm6_key);
	__type(value, struct mw_subject);
} mw_lpm6 SEC(".maps");

/* Per-generation policy parameters (rate limits), index gen * MW_MAX_POLICIES + policy. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * MW_MAX_POLICIES);
	__type(key, __u32);
	__type(value, struct mw_policy_cfg);
} mw_policies SEC(".maps");

/*
 * Allow-lists by (generation, policy, remote prefix). Not preallocated:
 * the cap lets country rules in (the largest country is ~70k prefixes).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 2 * MW_MAX_ALLOW);
	__type(key, struct mw_allow4_key);
	__type(value, struct mw_allow_val);
} mw_allow4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 2 * MW_MAX_ALLOW);
	__type(key, struct mw_allow6_key);
	__type(value, struct mw_allow_val);
} mw_allow6 SEC(".maps");

/*
 * Token buckets by subject id; survive applies while the limit is
 * unchanged. They also hold two counters of each device (struct mw_bucket).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, MW_DEFAULT_SUBJECTS);	/* set by the loader */
	__type(key, __u32);
	__type(value, struct mw_bucket);
} mw_buckets SEC(".maps");

/* Per-CPU counters of ids below MW_PCPU_IDS, index id * MW_NR_REASONS + reason. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MW_PCPU_IDS * MW_NR_REASONS);	/* set by the loader */
	__type(key, __u32);
	__type(value, struct mw_counter);
} mw_counters SEC(".maps");

/* Devices' counters, one shared line each (struct mw_devctr), index id. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, MW_DEFAULT_SUBJECTS);	/* set by the loader */
	__type(key, __u32);
	__type(value, struct mw_devctr);
} mw_devcounters SEC(".maps");

/*
 * Per-CPU counters per interface slot, index slot * MW_NR_REASONS + reason;
 * tc egress at MW_IFC_EGRESS(slot) * MW_NR_REASONS + reason.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * MW_MAX_IFACES * MW_NR_REASONS);
	__type(key, __u32);
	__type(value, struct mw_counter);
} mw_ifcounters SEC(".maps");

/* Sampled drop events (struct mw_event), bounded by mw_evctl. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, MW_RINGBUF_BYTES);
} mw_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mw_evctl);
} mw_evctl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MW_EV_NR);
	__type(key, __u32);
	__type(value, __u64);
} mw_evstats SEC(".maps");

/* Per-CPU gate in front of the event cap (struct mw_evgate). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mw_evgate);
} mw_evgate SEC(".maps");

/* Per subject: G-PDUs seen on n3 interfaces and their last outer peer (shared). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MW_DEFAULT_SUBJECTS);	/* set by the loader */
	__type(key, __u32);
	__type(value, struct mw_tunnel);
} mw_tunnels SEC(".maps");

/*
 * Flows of subjects whose policy keeps them (struct mw_flow_key); sized by
 * the loader. Not preallocated: memory follows the flows, and an element
 * that userspace takes out (lookup-and-delete) is freed only after every
 * program that may still hold it is done, so a frame counted meanwhile
 * never lands in another flow's element, as it could in a preallocated
 * map that hands the element out again at once.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MW_DEFAULT_FLOWS);	/* set by the loader */
	__type(key, struct mw_flow_key);
	__type(value, struct mw_flow);
} mw_flows SEC(".maps");

/* Per subject: frames of flows that found mw_flows full (shared, atomic). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MW_DEFAULT_SUBJECTS);	/* set by the loader */
	__type(key, __u32);
	__type(value, struct mw_counter);
} mw_flowmiss SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MW_FS_NR);
	__type(key, __u32);
	__type(value, __u64);
} mw_flowstats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mw_clock);
} mw_clock SEC(".maps");

/* Learned name allow entries by (generation, policy, address): see struct mw_name_key. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 2 * 65536);
	__type(key, struct mw_name_key);
	__type(value, struct mw_allow_val);
} mw_names SEC(".maps");

/* Name rules per generation (userspace only). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * MW_MAX_NAMERULES);
	__type(key, __u32);
	__type(value, struct mw_namerule);
} mw_namerules SEC(".maps");

/* Learned names -> addresses (userspace only). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct mw_dns_key);
	__type(value, struct mw_dns_val);
} mw_dns SEC(".maps");

/* Names each device asked for (userspace only): the least recently asked go first. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct mw_asked_key);
	__type(value, struct mw_asked_val);
} mw_asked SEC(".maps");

/* DNS answers held or copied for the learner (struct mw_dnsq_rec). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, MW_DNSQ_BYTES);
} mw_dnsq SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mw_dnsctl);
} mw_dnsctl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MW_DS_NR);
	__type(key, __u32);
	__type(value, __u64);
} mw_dnsstats SEC(".maps");

/* Untagged MACs of watched vendor classes. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MW_DISCOVERED_MAX);
	__type(key, __u64);
	__type(value, struct mw_disc_val);
} mw_discovered SEC(".maps");

/* Discovered MACs (struct mw_disc_slot); mw_discovered takes those whose window is full. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, MW_DISCTAB_SLOTS);
	__type(key, __u32);
	__type(value, struct mw_disc_slot);
} mw_disctab SEC(".maps");

/* Subject names and kinds: written by userspace (through mmap), never read by the data path. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, MW_DEFAULT_SUBJECTS);	/* set by the loader */
	__type(key, __u32);
	__type(value, struct mw_subject_info);
} mw_subjects SEC(".maps");

/* Attached interfaces (slots). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MW_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct mw_iface);
} mw_ifaces SEC(".maps");

/* IMEI -> address bindings: userspace bookkeeping, never read by the data path. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct mw_bind_key);
	__type(value, struct mw_bind_val);
} mw_binds SEC(".maps");

/* IMEI devices of each generation: key MW_IMEI_KEY(gen, imei). Userspace only. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 2 * MW_DEFAULT_SUBJECTS);	/* set by the loader */
	__type(key, __u64);
	__type(value, struct mw_subject);
} mw_imei SEC(".maps");

/*
 * Grace-period helper: updating a map-in-map waits for running programs
 * (synchronize_rcu) before returning, which is what apply needs between
 * flipping the generation and deleting the old one.
 */
struct mw_sync_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct mw_sync_inner);
} mw_sync SEC(".maps");

#endif /* MW_MAPS_H */

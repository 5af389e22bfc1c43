/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The libxdp attachment: modwall's component in an interface's libxdp
 * dispatcher is a fixed entry program (bpf/entry.bpf.c, pinned as
 * entry_IFNAME) that tail-calls the interface's real program from the
 * pinned prog array mw_progs[slot]. Loading again is one store into that
 * array: the dispatcher and the other programs on the interface stay.
 */
#ifndef MW_XDP_ENTRY_H
#define MW_XDP_ENTRY_H

#include <stddef.h>
#include <stdint.h>
#include "modwall.h"

struct mw_load_opts;
struct mw_load_result;

/*
 * Where libxdp runs the entry @id on @ifindex; MW_ENTRY_UNKNOWN when the
 * caller may not look (libxdp needs CAP_SYS_ADMIN to open the programs).
 */
enum { MW_ENTRY_GONE = 0, MW_ENTRY_ALONE = 1, MW_ENTRY_DISPATCHER = 2, MW_ENTRY_UNKNOWN = 3 };
int mw_entry_state(uint32_t ifindex, uint32_t id);
/* mw_entry_state() != MW_ENTRY_GONE */
int mw_entry_live(uint32_t ifindex, uint32_t id);

/* The id of the program behind @fd (0 if unknown). */
uint32_t mw_prog_id(int fd);

/*
 * The pin that holds @ifname's attachment, link_IFNAME (exclusive) or
 * entry_IFNAME (libxdp): its fd, its kind in *@attach, and in *@lidx the
 * ifindex it runs on (0: that interface is gone). A link knows its
 * interface; an entry is looked for on @cur (the ifindex of @ifname now),
 * then on @was (the one it was loaded on). -ENOENT without a pin, -EPROTO
 * when link_IFNAME is not an XDP link.
 */
int mw_attach_pin_get(const char *pin_dir, const char *ifname, uint32_t cur, uint32_t was,
		      uint32_t *lidx, int *attach);

/* The pinned prog array the entries tail-call through (created on first use): an fd. */
int mw_progs_map(const char *pin_dir, char *err, size_t errlen);
/* The program in mw_progs[@slot] (an fd), or -1. */
int mw_slot_prog_fd(const char *pin_dir, uint32_t slot);

/*
 * Put @prog_fd in mw_progs[@slot] and, unless the entry of @o->ifname
 * already runs there, attach a new entry through libxdp and pin it.
 */
int mw_entry_attach(const char *pin_dir, const struct mw_load_opts *o, uint32_t ifindex,
		    uint32_t slot, int prog_fd, const struct mw_iface *cur,
		    struct mw_load_result *r, char *err, size_t errlen);
/*
 * Pin the prog array the live entry @efd tail-calls as mw_progs when the
 * pin is missing or names another map (removed or replaced by hand: loads
 * would fill a map no entry reads). 1 when repaired, 0 when it was right,
 * or a negative errno with @err filled.
 */
int mw_progs_repair(const char *pin_dir, int efd, char *err, size_t errlen);

/*
 * Is the attachment of @ifname (slot @slot, @v) whole: its pin there and,
 * for libxdp, mw_progs pinned, the very prog array its entry tail-calls,
 * with a program in the slot? 0, or -1 with @why saying what is wrong and
 * what repairs it. Whether the entry still runs is mw_entry_state()'s.
 */
int mw_attach_check(const char *pin_dir, const char *ifname, const struct mw_iface *v,
		    uint32_t slot, char *why, size_t len);

/* Take the entry @id out of the dispatcher on @ifindex (if it still runs there). */
int mw_entry_detach(uint32_t ifindex, uint32_t id, char *err, size_t errlen);

/*
 * libxdp leaves the pins of a deleted interface's dispatcher (with every
 * component) under /sys/fs/bpf/xdp. Remove the dispatcher directory of
 * @old_ifindex that holds the entry @entry_id, unless that dispatcher is
 * still attached there. Call in the interface's network namespace.
 */
void mw_entry_gc(uint32_t old_ifindex, uint32_t entry_id);

#endif /* MW_XDP_ENTRY_H */

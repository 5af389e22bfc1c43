/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The pin directory under bpffs: mount, lock, names, sharing, removal. */
#ifndef MW_PINS_H
#define MW_PINS_H

#include <stddef.h>

/* Mount bpffs at MW_PIN_ROOT when nothing is mounted there. */
int mw_bpffs_ensure(const char *pin_dir, char *err, size_t errlen);

/*
 * Serialise the commands that change pinned state (load, unload, apply,
 * bind, unbind): an exclusive flock on the pin directory. Returns the fd to
 * close when done, or a negative errno.
 */
int mw_lock(const char *pin_dir);

/* The pin of an interface's attachment: link_IFNAME (exclusive) or entry_IFNAME (libxdp). */
void mw_attach_pin_path(const char *pin_dir, const char *ifname, int attach, char *path,
			size_t len);

/*
 * Let a group read the state: map pins 0640 and the pin directory 0750 in
 * that group, the bpffs root traversable.
 */
int mw_pins_share(const char *pin_dir, const char *group, char *err, size_t errlen);

/* Remove the map pins, mw_progs and the (then empty) pin directory. */
void mw_pins_remove(const char *pin_dir);

#endif /* MW_PINS_H */

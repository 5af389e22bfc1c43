/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Pinned state as a whole, for the commands that use most of it: the map
 * layer, the pin directory, the loader, the libxdp entry, namespaces and
 * the names of reasons, actions and roles.
 */
#ifndef MW_STATE_H
#define MW_STATE_H

#include "load.h"
#include "maps.h"
#include "names.h"
#include "netns.h"
#include "pins.h"
#include "xdp_entry.h"

#endif /* MW_STATE_H */

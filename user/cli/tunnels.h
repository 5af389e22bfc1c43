/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Devices seen inside GTP-U tunnels, as stats and show print them. */
#ifndef MW_CLI_TUNNELS_H
#define MW_CLI_TUNNELS_H

#include "maps.h"

/* The outer peer's address as text. */
const char *mw_tunnel_peer(const struct mw_tunnel *t, char *buf, size_t len);
struct mw_jw;
/* {frames, peer, direction, teid, ifindex, seconds_ago} (a subject seen in a tunnel). */
void mw_tunnel_jw(struct mw_jw *w, const struct mw_tunnel *t);
/* One line: "N G-PDUs, last via PEER (DIRECTION, TEID 0x..., S s ago)". */
const char *mw_tunnel_text(const struct mw_tunnel *t, char *buf, size_t len);

#endif /* MW_CLI_TUNNELS_H */

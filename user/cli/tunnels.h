/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Devices seen inside GTP-U tunnels, as stats and show print them. */
#ifndef MW_CLI_TUNNELS_H
#define MW_CLI_TUNNELS_H

#include <json-c/json.h>
#include "maps.h"

/* The mw_tunnels cells of subjects [0, @n), folded over CPUs; NULL and errno on failure. */
struct mw_tunnel *mw_cli_tunnels(const struct mw_maps *m, uint32_t n);
/* The outer peer's address as text. */
const char *mw_tunnel_peer(const struct mw_tunnel *t, char *buf, size_t len);
/* {frames, peer, direction, teid, ifindex, seconds_ago}; NULL when never seen in a tunnel. */
struct json_object *mw_tunnel_json(const struct mw_tunnel *t);
/* One line: "N G-PDUs, last via PEER (DIRECTION, TEID 0x..., S s ago)". */
const char *mw_tunnel_text(const struct mw_tunnel *t, char *buf, size_t len);

#endif /* MW_CLI_TUNNELS_H */

/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The daemon's entry: `modwall daemon` / modwalld, argv[0] is "daemon". */
#ifndef MW_DAEMON_H
#define MW_DAEMON_H

int cmd_daemon(int argc, char **argv);

#endif /* MW_DAEMON_H */

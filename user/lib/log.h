/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Capture of libbpf's and libxdp's messages around a load or an attach. */
#ifndef MW_LOG_H
#define MW_LOG_H

/* Start capturing (both logs emptied); mw_log_end() restores the printers. */
void mw_log_begin(void);
void mw_log_end(void);
/* What was captured since mw_log_begin() ("" when nothing). */
const char *mw_log_libbpf(void);
const char *mw_log_libxdp(void);

#endif /* MW_LOG_H */

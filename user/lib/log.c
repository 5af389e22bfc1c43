// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What libbpf and libxdp say while a program loads or attaches: kept
 * between mw_log_begin() and mw_log_end(), and shown only when that fails
 * (the verifier's log, libxdp's reasons), never as chatter on success.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "log.h"

static char libbpf_log[8192];
static char xdp_log[2048];
static libbpf_print_fn_t prev_print;
static libxdp_print_fn_t prev_xdp_print;
static int depth;	/* nested captures keep the outer one's printers */

static int log_append(char *buf, size_t size, const char *fmt, va_list ap)
{
	size_t l = strlen(buf);

	return l >= size - 1 ? 0 : vsnprintf(buf + l, size - l, fmt, ap);
}

static int libbpf_capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_DEBUG ? 0 : log_append(libbpf_log, sizeof(libbpf_log), fmt, ap);
}

static int libxdp_capture(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	return level == LIBXDP_DEBUG ? 0 : log_append(xdp_log, sizeof(xdp_log), fmt, ap);
}

void mw_log_begin(void)
{
	if (depth++)
		return;
	libbpf_log[0] = 0;
	xdp_log[0] = 0;
	prev_print = libbpf_set_print(libbpf_capture);
	prev_xdp_print = libxdp_set_print(libxdp_capture);
}

void mw_log_end(void)
{
	if (!depth || --depth)
		return;
	libxdp_set_print(prev_xdp_print);
	libbpf_set_print(prev_print);
}

const char *mw_log_libbpf(void)
{
	return libbpf_log;
}

const char *mw_log_libxdp(void)
{
	return xdp_log;
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The process_* families: the daemon's own descriptors, memory, CPU, age. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "health.h"

/* Entries of /proc/self/fd but the one that lists them. */
static int count_fds(uint64_t *n)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int self;

	if (!d)
		return -errno;
	self = dirfd(d);
	*n = 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && atoi(de->d_name) != self)
			(*n)++;
	closedir(d);
	return 0;
}

/*
 * utime + stime and starttime (clock ticks after boot) from /proc/self/stat.
 * The fields are counted from the last ')': the command name may hold
 * spaces and parentheses.
 */
static int read_stat(double *cpu, uint64_t *start_ticks, long hz)
{
	char buf[1024], *p;
	unsigned long long ut, st, start;
	size_t n;
	FILE *f = fopen("/proc/self/stat", "re");

	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	/* after ")": state (3), then fields 4..13, utime (14), stime (15), ..., starttime (22) */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu "
			 "%*d %*d %*d %*d %*d %*d %llu", &ut, &st, &start) != 3)
		return -EPROTO;
	*cpu = (double)(ut + st) / (double)hz;
	*start_ticks = start;
	return 0;
}

/* Boot time, Unix seconds: the btime line of /proc/stat. */
static int read_btime(uint64_t *btime)
{
	char line[256];
	unsigned long long v;
	int rc = -EPROTO;
	FILE *f = fopen("/proc/stat", "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %llu", &v) == 1) {
			*btime = v;
			rc = 0;
			break;
		}
	fclose(f);
	return rc;
}

int mw_proc_read(struct mw_proc *p)
{
	unsigned long long size, resident;
	long page = sysconf(_SC_PAGESIZE), hz = sysconf(_SC_CLK_TCK);
	uint64_t ticks, btime = 0;
	struct rlimit rl;
	FILE *f;
	int rc, n;

	p->ok = 0;
	if (page <= 0 || hz <= 0)
		return -EINVAL;
	rc = count_fds(&p->open_fds);
	if (rc)
		return rc;
	f = fopen("/proc/self/statm", "re");
	if (!f)
		return -errno;
	n = fscanf(f, "%llu %llu", &size, &resident);
	fclose(f);
	if (n != 2)
		return -EPROTO;
	p->virtual_bytes = size * (unsigned long long)page;
	p->resident_bytes = resident * (unsigned long long)page;
	rc = read_stat(&p->cpu_seconds, &ticks, hz);
	if (rc)
		return rc;
	if (!p->start_time) {
		rc = read_btime(&btime);
		if (rc)
			return rc;
		p->start_time = (double)btime + (double)ticks / (double)hz;
	}
	p->max_fds = getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY ? 0 :
		     (uint64_t)rl.rlim_cur;
	p->ok = 1;
	return 0;
}

static void family(struct mw_sbuf *b, const char *name, const char *type, const char *help)
{
	mw_sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void mw_proc_metrics(const struct mw_proc *p, struct mw_sbuf *b)
{
	if (!p->ok)
		return;
	family(b, "process_open_fds", "gauge", "Number of open file descriptors.");
	mw_sbuf_printf(b, "process_open_fds %llu\n", (unsigned long long)p->open_fds);
	family(b, "process_max_fds", "gauge",
	      "Maximum number of open file descriptors (soft limit; 0: unlimited).");
	mw_sbuf_printf(b, "process_max_fds %llu\n", (unsigned long long)p->max_fds);
	family(b, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
	mw_sbuf_printf(b, "process_resident_memory_bytes %llu\n",
		       (unsigned long long)p->resident_bytes);
	family(b, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
	mw_sbuf_printf(b, "process_virtual_memory_bytes %llu\n",
		       (unsigned long long)p->virtual_bytes);
	family(b, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent "
	      "in seconds.");
	mw_sbuf_printf(b, "process_cpu_seconds_total %.2f\n", p->cpu_seconds);
	family(b, "process_start_time_seconds", "gauge",
	      "Start time of the process since unix epoch in seconds.");
	mw_sbuf_printf(b, "process_start_time_seconds %.2f\n", p->start_time);
}

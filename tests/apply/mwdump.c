// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * mwdump DIR: print every pinned map under DIR, one line per entry:
 *
 *   NAME KEY VALUE        (hex bytes; per-CPU values are the CPUs' values in a row)
 *
 * and a header line per map, "NAME # type T, key K, value V, max M, N entries"
 * ("N non-zero" for arrays).
 * Arrays print only their non-zero entries (a zero entry and a missing one
 * are the same thing there); mmapable arrays are read through mmap. Ring
 * buffers have no entries and print only the header. Lines are not sorted:
 * pipe through `LC_ALL=C sort` to compare two dumps.
 *
 * Exit status 0, or 1 with a message on stderr when a map cannot be read.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static void hex(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static int all_zero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static int is_percpu(__u32 type)
{
	return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static int is_array(__u32 type)
{
	return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

static int dump_map(const char *dir, const char *name)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	unsigned char *key = NULL, *next = NULL, *val = NULL;
	char path[4096];
	void *prev = NULL;
	size_t vsz, n = 0;
	int fd, rc = 0, ncpus = libbpf_num_possible_cpus();

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "mwdump: %s: %s\n", path, strerror(errno));
		return 1;
	}
	vsz = is_percpu(info.type) ? ((info.value_size + 7) & ~7u) * (size_t)ncpus
				   : info.value_size;
	if (info.type == BPF_MAP_TYPE_RINGBUF || info.type == BPF_MAP_TYPE_USER_RINGBUF) {
		printf("%s # type %u, max %u (ring buffer)\n", name, info.type, info.max_entries);
		close(fd);
		return 0;
	}
	if (info.type == BPF_MAP_TYPE_ARRAY && (info.map_flags & BPF_F_MMAPABLE)) {
		size_t sz = (size_t)info.max_entries * ((info.value_size + 7) & ~7u);
		size_t page = (size_t)sysconf(_SC_PAGESIZE), i;
		unsigned char *p = mmap(NULL, (sz + page - 1) / page * page, PROT_READ, MAP_SHARED,
					fd, 0);

		if (p == MAP_FAILED) {
			fprintf(stderr, "mwdump: mmap %s: %s\n", path, strerror(errno));
			close(fd);
			return 1;
		}
		for (i = 0; i < info.max_entries; i++) {
			const unsigned char *v = p + i * ((info.value_size + 7) & ~7u);
			__u32 k = (__u32)i;

			if (all_zero(v, info.value_size))
				continue;
			printf("%s ", name);
			hex((const unsigned char *)&k, sizeof(k));
			putchar(' ');
			hex(v, info.value_size);
			putchar('\n');
			n++;
		}
		munmap(p, (sz + page - 1) / page * page);
		goto out;
	}
	key = calloc(1, info.key_size + 1);
	next = calloc(1, info.key_size + 1);
	val = calloc(1, vsz + 1);
	if (!key || !next || !val) {
		rc = 1;
		goto out;
	}
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, info.key_size);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, val)) {
			if (errno == ENOENT)
				continue;	/* deleted meanwhile */
			fprintf(stderr, "mwdump: %s: lookup: %s\n", path, strerror(errno));
			rc = 1;
			goto out;
		}
		if (info.type == BPF_MAP_TYPE_ARRAY_OF_MAPS || info.type == BPF_MAP_TYPE_HASH_OF_MAPS)
			memset(val, 0, vsz);	/* an inner map id: not content */
		if (is_array(info.type) && all_zero(val, vsz))
			continue;
		printf("%s ", name);
		hex(key, info.key_size);
		putchar(' ');
		hex(val, vsz);
		putchar('\n');
		n++;
	}
	if (errno != ENOENT) {
		fprintf(stderr, "mwdump: %s: next key: %s\n", path, strerror(errno));
		rc = 1;
	}
out:
	if (!rc)
		printf("%s # type %u, key %u, value %u, max %u, %zu %s\n", name, info.type,
		       info.key_size, info.value_size, info.max_entries, n,
		       is_array(info.type) ? "non-zero" : "entries");
	free(key);
	free(next);
	free(val);
	close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: mwdump PIN_DIR\n");
		return 2;
	}
	d = opendir(argv[1]);
	if (!d) {
		fprintf(stderr, "mwdump: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "mw_", 3))
			rc |= dump_map(argv[1], de->d_name);
		else if (de->d_name[0] != '.')
			printf("pin %s\n", de->d_name);
	closedir(d);
	return rc;
}

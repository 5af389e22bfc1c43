// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Input files (user/lib/file.c) and what uses them: only regular files are
 * read, never more than a cap, and text quoted from a file reaches a
 * message escaped. Each test that could hang on a FIFO runs under alarm(),
 * so a regression fails instead of blocking the suite.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "compile.h"
#include "file.h"
#include "policy.h"

static char dir[] = "/tmp/mw-test-file-XXXXXX";

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	alarm(20);	/* a blocking open or read fails the run instead of hanging it */
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

static const char *in_dir(const char *name)
{
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static void write_file(const char *path, const char *text, size_t n)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* ---- the reader ---- */

static void test_read_regular_only(void **state)
{
	char err[128], *data = NULL;
	size_t len = 0;

	(void)state;
	write_file(in_dir("ok"), "abc\n", 4);
	assert_int_equal(mw_file_read(in_dir("ok"), 16, &data, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 4);
	assert_string_equal(data, "abc\n");
	free(data);

	assert_int_equal(mkfifo(in_dir("fifo"), 0600), 0);
	assert_int_equal(mw_file_read(in_dir("fifo"), 16, &data, &len, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "a FIFO, not a regular file");
	assert_int_equal(mw_file_read("/dev/zero", 16, &data, &len, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "a character device, not a regular file");
	assert_int_equal(mw_file_read(dir, 16, &data, &len, err, sizeof(err)), -EISDIR);
	assert_string_equal(err, "a directory, not a regular file");
	assert_int_equal(mw_file_read(in_dir("none"), 16, &data, &len, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "No such file or directory");
}

static void test_read_capped(void **state)
{
	char err[128], *data = NULL, big[100];
	size_t len = 0;
	int fds[2];

	(void)state;
	memset(big, 'x', sizeof(big));
	write_file(in_dir("big"), big, sizeof(big));
	assert_int_equal(mw_file_read(in_dir("big"), 99, &data, &len, err, sizeof(err)), -EFBIG);
	assert_string_equal(err, "larger than 99 bytes");
	assert_int_equal(mw_file_read(in_dir("big"), 100, &data, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 100);
	free(data);
	/* a stream that says nothing of its size is cut at the cap all the same */
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], big, sizeof(big)), sizeof(big));
	close(fds[1]);
	assert_int_equal(mw_file_read_fd(fds[0], 64, &data, &len, err, sizeof(err)), -EFBIG);
	assert_string_equal(err, "larger than 64 bytes");
	close(fds[0]);
}

static void test_escape(void **state)
{
	char out[64];

	(void)state;
	mw_escape(out, sizeof(out), "a\x1b[31mb\tc\x7f", 10);
	assert_string_equal(out, "a\\x1b[31mb\\x09c\\x7f");
	/* UTF-8 stays; C1 controls (U+009B is CSI) and stray bytes do not */
	mw_escape(out, sizeof(out), "\xc3\xa9\xc2\x9b\xff", 5);
	assert_string_equal(out, "\xc3\xa9\\xc2\\x9b\\xff");
	/* truncated, never in the middle of an escape */
	mw_escape(out, 6, "ab\x01\x02", 4);
	assert_string_equal(out, "ab");
}

/* ---- policies ---- */

static void load_fails(const char *path, const char *want)
{
	struct mw_policy p;

	assert_int_equal(mw_policy_load(&p, path), -1);
	for (int i = 0; i < p.errors.n; i++)
		print_message("  got: %s\n", p.errors.msg[i]);
	assert_int_equal(p.errors.n, 1);
	assert_string_equal(p.errors.msg[0], want);
	mw_policy_free(&p);
}

static void test_policy_include_special(void **state)
{
	char text[512], want[512];

	(void)state;
	/* /dev/zero used to be read until memory ran out, a FIFO waited for ever */
	write_file(in_dir("zero.mwp"), "include \"/dev/zero\"\n", 20);
	snprintf(want, sizeof(want), "%s:1:9: cannot include '/dev/zero': a character device, "
		 "not a regular file", in_dir("zero.mwp"));
	load_fails(in_dir("zero.mwp"), want);

	unlink(in_dir("fifo"));
	assert_int_equal(mkfifo(in_dir("fifo"), 0600), 0);
	snprintf(text, sizeof(text), "policy q { drop }\ninclude \"fifo\"\n");
	write_file(in_dir("fifo.mwp"), text, strlen(text));
	snprintf(want, sizeof(want), "%s:2:9: cannot include '%s': a FIFO, not a regular file",
		 in_dir("fifo.mwp"), in_dir("fifo"));
	load_fails(in_dir("fifo.mwp"), want);

	snprintf(want, sizeof(want), "%s: a directory, not a regular file", dir);
	load_fails(dir, want);
}

static void test_policy_not_quoted(void **state)
{
	const char *shadow = "root:$y$j9T$secrethash:19000:0:99999:7:::\n"
			     "daemon:*:19000:0:99999:7:::\n";
	char text[256], want[512];

	(void)state;
	/* a file that is no policy at all: one error, and none of its text */
	write_file(in_dir("shadow"), shadow, strlen(shadow));
	snprintf(text, sizeof(text), "include \"shadow\"\n");
	write_file(in_dir("inc.mwp"), text, strlen(text));
	snprintf(want, sizeof(want), "%s:1:1: not a policy file: it does not start with a "
		 "statement (include, policy, device, class, vendorset, addrset, default, "
		 "interface) or a comment", in_dir("shadow"));
	load_fails(in_dir("inc.mwp"), want);

	/* control characters from a policy reach messages escaped */
	snprintf(text, sizeof(text), "policy q { drop }\ndevice a mac 02:00:00:00:00:0\x1b[2J "
		 "policy q\n");
	write_file(in_dir("esc.mwp"), text, strlen(text));
	snprintf(want, sizeof(want), "%s:2:30: bad MAC address '02:00:00:00:00:0\\x1b[2J': "
		 "'\\x1b' is not a hex digit", in_dir("esc.mwp"));
	load_fails(in_dir("esc.mwp"), want);

	/* and a long word is quoted as an excerpt */
	snprintf(text, sizeof(text), "policy q { drop }\n%s\n",
		 "polcyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");
	write_file(in_dir("long.mwp"), text, strlen(text));
	snprintf(want, sizeof(want), "%s:2:1: unknown statement "
		 "'polcyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy...' (expected include, policy, device, "
		 "class, vendorset, addrset, default or interface)", in_dir("long.mwp"));
	load_fails(in_dir("long.mwp"), want);
}

/* ---- bindings files ---- */

static void bindings_fail(const char *path, const char *want)
{
	struct mw_diag errs = { 0 };
	struct mw_bindings b = { 0 };

	assert_int_equal(mw_bindings_load(&b, path, &errs, NULL), -1);
	for (int i = 0; i < errs.n; i++)
		print_message("  got: %s\n", errs.msg[i]);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msg[0], want);
	assert_int_equal(b.n, 0);
	mw_bindings_free(&b);
	mw_diag_free(&errs);
}

static void test_bindings_special(void **state)
{
	static const char nul[] = "356938035643809 10.40.0.1\0 10.40.0.2\n";
	char want[512];

	(void)state;
	/* a directory used to read as an empty file: devices lost their addresses */
	snprintf(want, sizeof(want), "%s: a directory, not a regular file", dir);
	bindings_fail(dir, want);
	unlink(in_dir("fifo"));
	assert_int_equal(mkfifo(in_dir("fifo"), 0600), 0);
	snprintf(want, sizeof(want), "%s: a FIFO, not a regular file", in_dir("fifo"));
	bindings_fail(in_dir("fifo"), want);
	/* a NUL byte is named where it is, not as an overlong line */
	write_file(in_dir("nul.bind"), nul, sizeof(nul) - 1);
	snprintf(want, sizeof(want), "%s:1:26: NUL byte", in_dir("nul.bind"));
	bindings_fail(in_dir("nul.bind"), want);
	write_file(in_dir("any.bind"), "356938035643809 0.0.0.0/0\n", 26);
	snprintf(want, sizeof(want), "%s:1:17: 0.0.0.0/0: a device cannot own every IPv4 address",
		 in_dir("any.bind"));
	bindings_fail(in_dir("any.bind"), want);
}

/* Compile @text with @n runtime bindings (no line; the file names the source) of 198.18.5.7. */
static int compile_bound(const char *text, int n, struct mw_policy *p, struct mw_plan *plan)
{
	const struct mw_loc rt = { .file = "modwall bind" };
	struct mw_bindings b = { 0 };
	struct mw_prefix pfx;
	int rc;

	assert_int_equal(mw_policy_load_string(p, "t.mwp", text), 0);
	assert_int_equal(mw_parse_prefix("198.18.5.7", &pfx, NULL), 0);
	while (n--)
		mw_bindings_add(&b, 35693803564380ull, &pfx, &rt);
	rc = mw_compile(plan, p, NULL, &b);
	mw_bindings_free(&b);
	return rc;
}

/* A runtime binding overlapping a policy address is named by what it binds, not "FILE:0:0". */
static void test_runtime_binding_message(void **state)
{
	struct mw_policy p;
	struct mw_plan plan;

	(void)state;
	assert_int_equal(compile_bound("policy q { drop }\n"
				       "device cams ip 198.18.5.0/24 policy q\n"
				       "device tracker imei 356938035643809 policy q\n", 1, &p, &plan), -1);
	assert_int_equal(p.errors.n, 1);
	assert_string_equal(p.errors.msg[0], "runtime binding 356938035643809 198.18.5.7 "
			    "(modwall bind): 198.18.5.7 overlaps 198.18.5.0/24 of device 'cams' "
			    "(t.mwp:2:16)");
	mw_plan_free(&plan);
	mw_policy_free(&p);
}

/* The device's own address bound to its IMEI too counts once, as the same binding twice does. */
static void test_own_address_bound(void **state)
{
	struct mw_policy p;
	struct mw_plan plan;

	(void)state;
	assert_int_equal(compile_bound("policy q { drop }\n"
				       "device tracker imei 356938035643809 ip 198.18.5.7 policy q\n",
				       2, &p, &plan), 0);
	assert_int_equal(plan.count[MW_PM_IP4], 1);
	mw_plan_free(&plan);
	mw_policy_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_regular_only),
		cmocka_unit_test(test_read_capped),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_policy_include_special),
		cmocka_unit_test(test_policy_not_quoted),
		cmocka_unit_test(test_bindings_special),
		cmocka_unit_test(test_runtime_binding_message),
		cmocka_unit_test(test_own_address_bound),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

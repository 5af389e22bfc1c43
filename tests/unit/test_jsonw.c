// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The streaming JSON writer (user/cli/jsonw.c) against json-c: for the same
 * values, in both formats modwall prints (plain, and pretty with spaces),
 * the writer's bytes must be json-c's. Each tree is built with json-c, then
 * written twice through the writer: once with its own primitives (strings,
 * integers, doubles, nesting) and once through mw_jw_json.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "jsonw.h"

static const int jc_flags[2] = {
	JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
	JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE,
};

/* the writer's primitives, driven by a json-c tree */
static void emit(struct mw_jw *w, struct json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_object:
		mw_jw_object(w);
		json_object_object_foreach(o, k, v) {
			mw_jw_key(w, k);
			emit(w, v);
		}
		mw_jw_end(w);
		break;
	case json_type_array:
		mw_jw_array(w);
		for (size_t i = 0; i < json_object_array_length(o); i++)
			emit(w, json_object_array_get_idx(o, i));
		mw_jw_end(w);
		break;
	case json_type_string:
		mw_jw_strn(w, json_object_get_string(o), (size_t)json_object_get_string_len(o));
		break;
	case json_type_int:
		mw_jw_int(w, json_object_get_int64(o));
		break;
	case json_type_double:
		mw_jw_double(w, json_object_get_double(o));
		break;
	case json_type_boolean:
		mw_jw_bool(w, json_object_get_boolean(o));
		break;
	case json_type_null:
		mw_jw_null(w);
		break;
	}
}

/* The writer's text of @o (through its primitives, or mw_jw_json); malloc'd. */
static char *written(struct json_object *o, int pretty, int via_json)
{
	struct mw_jw w;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	mw_jw_init(&w, f, pretty);
	if (via_json)
		mw_jw_json(&w, o);
	else
		emit(&w, o);
	assert_int_equal(mw_jw_error(&w), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* Both formats, both ways, byte for byte; drops @o. */
static void same(struct json_object *o)
{
	for (int p = 0; p < 2; p++) {
		const char *want = json_object_to_json_string_ext(o, jc_flags[p]);

		for (int via = 0; via < 2; via++) {
			char *got = written(o, p, via);

			if (strcmp(got, want))
				fail_msg("format %s%s:\n  json-c: %s\n  writer: %s",
					 p ? "pretty" : "plain", via ? " (mw_jw_json)" : "", want, got);
			free(got);
		}
	}
	json_object_put(o);
}

static void test_strings(void **state)
{
	static const char *const names[] = {
		"", "plain", "with \"quotes\"", "back\\slash", "\\\"", "a/b//c", "tab\there",
		"line\nfeed\r\n", "\b\f", "bell\a esc\x1b del\x7f", "caf\xc3\xa9", "\xe4\xb8\xad\xe6\x96\x87",
		"\xf0\x9f\x93\xa1 modem", "bad \xff\xfe utf-8 \xc3", "\"\\/\b\f\n\r\t\x01\x1f",
	};
	struct json_object *arr = json_object_new_array(), *obj = json_object_new_object();
	char one[2] = { 0, 0 }, mixed[8];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		json_object_array_add(arr, json_object_new_string(names[i]));
		/* the same texts as keys */
		json_object_object_add(obj, names[i], json_object_new_int((int)i));
	}
	/* every byte but NUL, alone and between letters */
	for (i = 1; i < 256; i++) {
		one[0] = (char)i;
		json_object_array_add(arr, json_object_new_string(one));
		snprintf(mixed, sizeof(mixed), "a%cb", (char)i);
		json_object_array_add(arr, json_object_new_string(mixed));
	}
	json_object_object_add(obj, "all", arr);
	same(obj);
}

static void test_embedded_nul(void **state)
{
	struct mw_jw w;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	mw_jw_init(&w, f, 0);
	mw_jw_array(&w);
	mw_jw_strn(&w, "ab\0cd", 5);	/* json-c's strings end at a NUL byte */
	mw_jw_strn(&w, "abcdef", 3);
	mw_jw_end(&w);
	assert_int_equal(mw_jw_error(&w), 0);
	fclose(f);
	assert_string_equal(buf, "[\"ab\",\"abc\"]");
	free(buf);
}

static struct json_object *nest(int depth)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();

	json_object_object_add(o, "empty_object", json_object_new_object());
	json_object_object_add(o, "empty_array", json_object_new_array());
	json_object_array_add(a, json_object_new_object());
	json_object_array_add(a, json_object_new_array());
	json_object_array_add(a, json_object_new_int(depth));
	json_object_array_add(a, NULL);
	if (depth)
		json_object_array_add(a, nest(depth - 1));
	json_object_object_add(o, "list", a);
	json_object_object_add(o, "null", NULL);
	json_object_object_add(o, "yes", json_object_new_boolean(1));
	json_object_object_add(o, "no", json_object_new_boolean(0));
	if (depth)
		json_object_object_add(o, "child", nest(depth - 1));
	return o;
}

static void test_nesting(void **state)
{
	struct json_object *a;

	(void)state;
	same(json_object_new_object());
	same(json_object_new_array());
	same(nest(0));
	same(nest(6));
	/* arrays of arrays, the top level an array */
	a = json_object_new_array();
	for (int i = 0; i < 4; i++) {
		struct json_object *in = json_object_new_array();

		for (int k = 0; k < i; k++)
			json_object_array_add(in, json_object_new_array());
		json_object_array_add(a, in);
	}
	same(a);
	/* a scalar alone */
	same(json_object_new_string("alone"));
	same(json_object_new_int64(-7));
	same(json_object_new_double(2.5));
	same(json_object_new_boolean(1));
}

static void test_numbers(void **state)
{
	static const int64_t ints[] = { 0, 1, -1, 42, INT32_MAX, INT32_MIN, (int64_t)INT32_MAX + 1,
					INT64_MAX, INT64_MIN, 1000000000000ll, -999999999999ll };
	static const double dbls[] = { 0.0, -0.0, 1.0, -1.0, 0.5, 0.1, 1.0 / 3, 2.5e-7, 123456789.0,
				       9007199254740992.0, 1e15, 1e16, 1e17, 1e21, 1e300, -1e-300,
				       5e-324, 1.7976931348623157e308, 12.0 * 1000000 / 7, 8e6 / 3 };
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();
	uint64_t x = 0x9e3779b97f4a7c15ull;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		json_object_array_add(a, json_object_new_int64(ints[i]));
	json_object_array_add(a, json_object_new_int(-123));
	for (i = 0; i < sizeof(dbls) / sizeof(dbls[0]); i++)
		json_object_array_add(a, json_object_new_double(dbls[i]));
	json_object_array_add(a, json_object_new_double(NAN));
	json_object_array_add(a, json_object_new_double(INFINITY));
	json_object_array_add(a, json_object_new_double(-INFINITY));
	/* doubles from many bit patterns, and rates as stats computes them */
	for (i = 0; i < 2000; i++) {
		double d;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(&d, &x, sizeof(d));
		if (isnan(d))
			continue;
		json_object_array_add(a, json_object_new_double(d));
		json_object_array_add(a, json_object_new_double((double)(x % 100000) / 1.37));
		json_object_array_add(a, json_object_new_double((double)(x % 1000)));
	}
	json_object_object_add(o, "numbers", a);
	same(o);
}

/* what a caller gets wrong is refused, not written as broken JSON */
static void test_misuse(void **state)
{
	struct mw_jw w;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int i;

	(void)state;
	assert_non_null(f);
	mw_jw_init(&w, f, 0);
	mw_jw_array(&w);
	mw_jw_key(&w, "k");		/* a key in an array */
	assert_int_not_equal(mw_jw_error(&w), 0);

	mw_jw_init(&w, f, 0);
	mw_jw_object(&w);
	mw_jw_int(&w, 1);		/* a value without a key */
	assert_int_not_equal(mw_jw_error(&w), 0);

	mw_jw_init(&w, f, 0);
	mw_jw_object(&w);
	mw_jw_key(&w, "a");
	mw_jw_end(&w);			/* a key without its value */
	assert_int_not_equal(mw_jw_error(&w), 0);

	mw_jw_init(&w, f, 0);
	mw_jw_object(&w);		/* left open */
	assert_int_not_equal(mw_jw_error(&w), 0);

	mw_jw_init(&w, f, 0);
	mw_jw_int(&w, 1);
	mw_jw_int(&w, 2);		/* a second top-level value */
	assert_int_not_equal(mw_jw_error(&w), 0);

	mw_jw_init(&w, f, 0);
	for (i = 0; i < MW_JW_DEPTH + 2; i++)
		mw_jw_array(&w);
	assert_int_not_equal(mw_jw_error(&w), 0);

	/* no stream: nothing written, no error */
	mw_jw_init(&w, NULL, 1);
	mw_jw_object(&w);
	mw_jw_kstr(&w, "a", "b");
	mw_jw_end(&w);
	assert_int_equal(mw_jw_error(&w), 0);
	fclose(f);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_misuse),
	};

	return cmocka_run_group_tests_name("jsonw", tests, NULL, NULL);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The library's diagnostics go to the sink its caller sets
 * (src/core/log.c), never to stderr behind the caller's back: what a
 * long-running agent needs to log them its own way.  Each test checks both
 * sides: what the sink received, and what reached file descriptor 2
 * (redirected to a file while the library runs, and given back before any
 * assertion, so that cmocka's own messages reach the terminal).
 *
 * Needs no privilege: the library errors used here come before any BPF.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <bpf/libbpf.h>
#include "cmtest.h"
#include "log.h"
#include "replay.h"

#define MAXMSG 8

static struct got {
	int n;
	enum ps_log_level level[MAXMSG];
	char *msg[MAXMSG];
	void *ctx[MAXMSG];
} got;

static void sink(enum ps_log_level level, const char *msg, void *ctx)
{
	if (got.n == MAXMSG)
		fail_msg("more than %d messages", MAXMSG);
	got.level[got.n] = level;
	got.msg[got.n] = strdup(msg);
	got.ctx[got.n] = ctx;
	got.n++;
}

/* stderr goes to a file for the test; this returns what reached it. */
static int saved_fd2 = -1;
static char errpath[] = "/tmp/pktscope-test-log.XXXXXX";

static int setup(void **state)
{
	int fd = mkstemp(errpath);

	if (fd < 0)
		return -1;
	fflush(stderr);
	saved_fd2 = dup(2);
	dup2(fd, 2);
	close(fd);
	memset(&got, 0, sizeof(got));
	ps_verbose = false;
	return 0;
}

/* Gives fd 2 back; returns what reached it meanwhile (static buffer). */
static const char *stderr_end(void)
{
	static char buf[65536];
	ssize_t n;
	int fd;

	fflush(stderr);
	if (saved_fd2 >= 0) {
		dup2(saved_fd2, 2);
		close(saved_fd2);
		saved_fd2 = -1;
	}
	fd = open(errpath, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static int teardown(void **state)
{
	stderr_end();
	unlink(errpath);
	strcpy(errpath, "/tmp/pktscope-test-log.XXXXXX");
	for (int i = 0; i < got.n; i++)
		free(got.msg[i]);
	ps_log_set_sink(NULL, NULL);
	ps_verbose = false;
	return 0;
}

static void test_err_to_sink(void **state)
{
	int ctx;

	ps_log_set_sink(sink, &ctx);
	ps_err("bad filter expression '%s': %s", "tcp\nport 80", "syntax error");
	assert_string_equal(stderr_end(), "");
	assert_int_equal(got.n, 1);
	assert_int_equal(got.level[0], PS_LOG_ERR);
	/* no prefix, no newline: the caller decides how a line looks */
	assert_string_equal(got.msg[0], "bad filter expression 'tcp\\x0aport 80': syntax error");
	assert_ptr_equal(got.ctx[0], &ctx);
}

static void test_dbg_only_verbose(void **state)
{
	ps_log_set_sink(sink, NULL);
	ps_dbg("hidden %d", 1);
	assert_int_equal(got.n, 0);
	ps_verbose = true;
	ps_dbg("shown %d", 2);
	assert_string_equal(stderr_end(), "");
	assert_int_equal(got.n, 1);
	assert_int_equal(got.level[0], PS_LOG_DBG);
	assert_string_equal(got.msg[0], "shown 2");
}

/* A message longer than the formatting buffers arrives whole. */
static void test_long_message(void **state)
{
	char arg[6000];

	memset(arg, 'a', sizeof(arg) - 1);
	arg[sizeof(arg) - 1] = '\0';
	arg[100] = '\t';
	ps_log_set_sink(sink, NULL);
	ps_err("x %s y", arg);
	assert_string_equal(stderr_end(), "");
	assert_int_equal(got.n, 1);
	assert_int_equal(strlen(got.msg[0]), 2 + 5999 - 1 + 4 + 2);
	assert_memory_equal(got.msg[0] + 2 + 100, "\\x09", 4);
	assert_string_equal(got.msg[0] + strlen(got.msg[0]) - 4, "aa y");
}

/* The library's own errors take the same way: here ps_replay_open() on a
 * file that is not there. */
static void test_library_error(void **state)
{
	struct ps_replay *rp = NULL;
	int rc;

	ps_log_set_sink(sink, NULL);
	rc = ps_replay_open(&rp, "/nonexistent/pktscope-test.pcap", NULL);
	assert_string_equal(stderr_end(), "");
	assert_int_equal(rc, -EINVAL);
	assert_null(rp);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.level[0], PS_LOG_ERR);
	assert_non_null(strstr(got.msg[0], "cannot read /nonexistent/pktscope-test.pcap"));
}

/* libbpf's messages: to the sink with --verbose, nowhere without. */
static void test_libbpf(void **state)
{
	struct bpf_object *quiet, *obj;
	int nquiet;

	ps_log_setup_libbpf();
	ps_log_set_sink(sink, NULL);
	quiet = bpf_object__open_file("/nonexistent/pktscope-test.bpf.o", NULL);
	nquiet = got.n;
	ps_verbose = true;
	obj = bpf_object__open_file("/nonexistent/pktscope-test.bpf.o", NULL);
	assert_string_equal(stderr_end(), "");
	assert_null(quiet);
	assert_int_equal(nquiet, 0);
	assert_null(obj);
	assert_true(got.n >= 1);
	assert_int_equal(got.level[0], PS_LOG_LIBBPF);
	assert_non_null(strstr(got.msg[0], "libbpf: "));
	assert_non_null(strstr(got.msg[0], "pktscope-test.bpf.o"));
}

/* Without a sink, or after it is taken away: stderr, each line whole. */
static void test_default_stderr(void **state)
{
	ps_log_set_sink(sink, NULL);
	ps_log_set_sink(NULL, NULL);
	ps_err("no such interface %s", "et\x1b[0mh9");
	ps_dbg("not shown");
	ps_verbose = true;
	ps_dbg("shown");
	assert_string_equal(stderr_end(), "pktscope: no such interface et\\x1b[0mh9\n"
					  "pktscope: debug: shown\n");
	assert_int_equal(got.n, 0);
}

int main(void)
{
	struct CMUnitTest tests[8];
	size_t n = 0;
	int ret;

	add_test(tests, &n, test_err_to_sink, NULL, "err_to_sink");
	add_test(tests, &n, test_dbg_only_verbose, NULL, "dbg_only_verbose");
	add_test(tests, &n, test_long_message, NULL, "long_message");
	add_test(tests, &n, test_library_error, NULL, "library_error");
	add_test(tests, &n, test_libbpf, NULL, "libbpf");
	add_test(tests, &n, test_default_stderr, NULL, "default_stderr");
	for (size_t i = 0; i < n; i++) {
		tests[i].setup_func = setup;
		tests[i].teardown_func = teardown;
	}

	ret = _cmocka_run_group_tests("log", tests, n, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free((void *)tests[i].name);
	return ret;
}

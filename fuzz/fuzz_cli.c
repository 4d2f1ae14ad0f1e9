// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The subcommands' option parsers on any argument list: stats and flows
 * (parse_args(), through fuzz/cli_seams.h), watch and capture
 * (ev_parse_args()), and the number parsers of src/cli/main.c.
 *
 * The input: a byte choosing the parser, then the arguments, separated by
 * NUL bytes (fuzz/fuzz_cli.dict gives libFuzzer the option names).  The
 * parser runs in this process with stdout and stderr caught.  Checked:
 *  - a refusal is -EINVAL and exactly one line on stderr, "pktscope: "
 *    and the reason, as DESIGN.md asks of every error a user can cause;
 *    an unknown option is named as given (it starts with '-');
 *  - what is taken is silent, and keeps what the parser promises (no -r
 *    with -i, capture has -w, a count is positive...: in the seams);
 *  - only --help exits, with status 0 and the help on stdout (exit() is
 *    caught: the harness links with --wrap=exit);
 *  - nothing leaks (LeakSanitizer), nothing reads out of bounds.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "cli/evsession.h"
#include "cli_seams.h"
#include "log.h"
#include "fuzz.h"

#define MAX_ARGS 48

static jmp_buf exit_jmp;
static bool catching;
static int exit_status;

void __real_exit(int status) __attribute__((noreturn));
void __wrap_exit(int status) __attribute__((noreturn));

/* exit() from a parser (--help) comes back here while catching. */
void __wrap_exit(int status)
{
	if (catching) {
		exit_status = status;
		longjmp(exit_jmp, 1);
	}
	__real_exit(status);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: pktscope (fuzz) [OPTIONS]\n");
}

enum { P_STATS, P_FLOWS, P_WATCH, P_CAPTURE, P_NUMBERS, P_MAX };
static const char *const names[P_MAX] = { "stats", "flows", "watch", "capture", "numbers" };

static int run_parser(int which, int argc, char **argv)
{
	struct ev_args a;
	int err;

	switch (which) {
	case P_STATS:
		return fz_stats_parse(argc, argv);
	case P_FLOWS:
		return fz_flows_parse(argc, argv);
	default:
		err = ev_parse_args(argc, argv, which == P_WATCH ? EV_WATCH : EV_CAPTURE, &a, usage);
		if (!err) {
			if (a.file && a.nifaces)
				fz_fail("%s took -r and -i together", names[which]);
			if (a.nifaces < 0 || a.nifaces > CLI_MAX_IFACES)
				fz_fail("%s took %d interfaces", names[which], a.nifaces);
			if (which == P_CAPTURE && !a.write)
				fz_fail("capture took no -w");
			if (a.file && a.dp.hook == PS_HOOK_SOCKET)
				fz_fail("%s took -r with --hook socket", names[which]);
			if (a.count < 0 || a.duration < 0)
				fz_fail("%s took -c %ld --duration %g", names[which], a.count, a.duration);
			if (which == P_CAPTURE && (!a.dp.snaplen || a.dp.snaplen > PS_SNAPLEN_MAX))
				fz_fail("capture took a snap length of %u", a.dp.snaplen);
		}
		ev_args_free(&a);
		return err;
	}
}

/* ps_parse_long() and ps_parse_double(): bounds from the input. */
static void numbers(int argc, char **argv, long lo, long hi, double max)
{
	for (int i = 1; i < argc; i++) {
		long l = 12345;
		double d = 12345;

		if (!ps_parse_long(argv[i], lo, hi, &l)) {
			if (l < lo || l > hi)
				fz_fail("ps_parse_long('%s', %ld, %ld) took %ld", argv[i], lo, hi, l);
		} else if (l != 12345) {
			fz_fail("ps_parse_long('%s') refused, but wrote %ld", argv[i], l);
		}
		if (!ps_parse_double(argv[i], max, &d)) {
			if (!isfinite(d) || d <= 0 || d > max)
				fz_fail("ps_parse_double('%s', %g) took %g", argv[i], max, d);
		} else if (d != 12345) {
			fz_fail("ps_parse_double('%s') refused, but wrote %g", argv[i], d);
		}
	}
}

/* One line, "pktscope: " and a reason. */
static void one_line(const char *what, const char *out, size_t len)
{
	const char *nl = memchr(out, '\n', len);
	char tail[128];

	if (len < 12 || strncmp(out, "pktscope: ", 10) || !nl || nl != out + len - 1 ||
	    memchr(out, '\0', len))
		fz_fail("%s: the refusal is not one 'pktscope: ' line: '%.*s'", what, (int)len, out);
	/* An option is named as the user gave it. */
	if (!strncmp(out, "pktscope: unknown option '", 26) && out[26] != '-')
		fz_fail("%s: the unknown option is not named: '%.*s'", what, (int)len, out);
	snprintf(tail, sizeof(tail), " is not an option of %s: see `pktscope %s --help`\n", what,
		 what);
	if (len > strlen(tail) && !strcmp(out + len - strlen(tail), tail) && out[10] != '-')
		fz_fail("%s: the option is not named: '%.*s'", what, (int)len, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 1] = { NULL }, *copy, *errbuf = NULL, *outbuf = NULL;
	size_t errlen = 0, outlen = 0, off;
	FILE *err_f, *out_f, *saved_err = stderr, *saved_out = stdout;
	volatile int rc = 0;
	int which, argc = 1;
	long lo = 0, hi = 0;
	double max = 1;

	if (!size)
		return 0;
	which = data[0] % P_MAX;
	if (which == P_NUMBERS && size >= 17) {
		memcpy(&lo, data + 1, 8);
		memcpy(&hi, data + 9, 8);
		max = fabs((double)hi) + 1;
		data += 16;
		size -= 16;
	}
	/* The arguments: the rest, split at NUL bytes. */
	copy = malloc(size);
	if (!copy)
		abort();
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	argv[0] = (char *)names[which];
	for (off = 0; off < size - 1 && argc < MAX_ARGS; argc++) {
		argv[argc] = copy + off;
		off += strlen(copy + off) + 1;
	}
	if (size == 1)
		argc = 1;
	argv[argc] = NULL;

	if (which == P_NUMBERS) {
		numbers(argc, argv, lo, hi, max);
		free(copy);
		return 0;
	}

	err_f = open_memstream(&errbuf, &errlen);
	out_f = open_memstream(&outbuf, &outlen);
	if (!err_f || !out_f)
		abort();
	stderr = err_f;
	stdout = out_f;
	optind = 0; /* a whole new getopt scan (glibc) */
	exit_status = -1;
	catching = true;
	if (!setjmp(exit_jmp))
		rc = run_parser(which, argc, argv);
	catching = false;
	stderr = saved_err;
	stdout = saved_out;
	fclose(err_f);
	fclose(out_f);
	ps_verbose = false;

	if (exit_status >= 0) {
		if (exit_status != PS_EXIT_OK || !outlen || errlen)
			fz_fail("%s exited with %d, %zu bytes on stdout, '%.*s' on stderr", names[which],
				exit_status, outlen, (int)errlen, errbuf);
	} else if (rc == 0) {
		if (errlen)
			fz_fail("%s took the arguments but said '%.*s'", names[which], (int)errlen, errbuf);
	} else {
		if (rc != -EINVAL)
			fz_fail("%s refused the arguments with %d, not -EINVAL", names[which], rc);
		one_line(names[which], errbuf, errlen);
	}
	if (rc == 0 && exit_status < 0 && outlen)
		fz_fail("%s printed on stdout while parsing: '%.*s'", names[which], (int)outlen, outbuf);
	free(errbuf);
	free(outbuf);
	free(copy);
	return 0;
}

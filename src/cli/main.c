// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pktscope: dispatches to one file per subcommand. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "log.h"

#define PS_VERSION "0.1.0"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "stats", cmd_stats, "count what crosses interfaces: protocols, flags, anomalies, rates" },
	{ "watch", cmd_watch, "one line per packet, as tcpdump prints them, from the kernel" },
	{ "capture", cmd_capture, "write packets to pcap or pcapng files, with rotation" },
	{ "flows", cmd_flows, "conversations from the kernel's flow table: live view, JSON records" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: pktscope COMMAND [OPTIONS]\n\n"
		   "eBPF packet inspection: kernel programs at XDP and TC parse and count\n"
		   "every packet; pktscope reads them.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n`pktscope COMMAND --help` tells more.  Exit codes: 0 ok, 1 runtime "
		   "failure, 2 bad usage or input.\n");
}

int ps_exit_code(int err)
{
	switch (err) {
	case 0:
		return PS_EXIT_OK;
	case -EINVAL:
	case -ENODEV:
	case -ENOENT:
	case -EPERM:
	case -EBUSY:
	case -EEXIST:
	case -EOPNOTSUPP:
	case -ERANGE:
		return PS_EXIT_USAGE;
	default:
		return PS_EXIT_FAIL;
	}
}

int ps_parse_double(const char *s, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int ps_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	ps_log_setup_libbpf();
	if (argc < 2) {
		usage(stderr);
		return PS_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return PS_EXIT_OK;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("pktscope %s\n", PS_VERSION);
		return PS_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	ps_err("unknown command '%s': see `pktscope --help`", argv[1]);
	return PS_EXIT_USAGE;
}

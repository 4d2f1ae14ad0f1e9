// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "common.h"
#include "iface.h"
#include "log.h"
#include "privs.h"

volatile sig_atomic_t cli_stop;

static void on_signal(int sig)
{
	cli_stop = sig;
}

void cli_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	/* A file grown past RLIMIT_FSIZE is a write error (EFBIG) to report
	 * and count, not a reason to die with nothing said. */
	signal(SIGXFSZ, SIG_IGN);
}

int cli_need_privs(const char *cmd)
{
	if (ps_have_bpf_privs())
		return 0;
	ps_err("%s needs root, or CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN: run it with sudo", cmd);
	return -EPERM;
}

int cli_pick_ifaces(const char **ifaces, int *n)
{
	static char def[IF_NAMESIZE];

	if (!*n) {
		if (ps_iface_default(def)) {
			ps_err("no default route to pick an interface from: give one with -i "
			       "(see `ip link`)");
			return -ENOENT;
		}
		ps_err("no -i given: using %s, the interface of the default route", def);
		ifaces[(*n)++] = def;
	}
	for (int i = 0; i < *n; i++)
		for (int j = 0; j < i; j++)
			if (!strcmp(ifaces[i], ifaces[j])) {
				ps_err("interface %s is given twice", ifaces[i]);
				return -EINVAL;
			}
	return 0;
}

int cli_attach_all(struct ps_datapath *dps, const char **ifaces, int n,
		   const struct ps_datapath_opts *o)
{
	struct ps_datapath_opts each[CLI_MAX_IFACES];

	for (int i = 0; i < n && i < CLI_MAX_IFACES; i++)
		each[i] = *o;
	return cli_attach_each(dps, ifaces, n, each);
}

int cli_attach_each(struct ps_datapath *dps, const char **ifaces, int n,
		    const struct ps_datapath_opts *o)
{
	int i, err;

	for (i = 0; i < n; i++) {
		err = ps_datapath_open(&dps[i], &o[i], ifaces[i]);
		if (err)
			goto err_close; /* dps[i] closed itself */
	}
	return 0;

err_close:
	cli_close_all(dps, i);
	return err;
}

void cli_close_all(struct ps_datapath *dps, int n)
{
	for (int i = 0; i < n; i++)
		ps_datapath_close(&dps[i]);
}

void cli_announce(const struct ps_datapath *dps, int n)
{
	char line[1024];
	enum ps_slot slots[PS_SLOT_MAX];
	size_t off = 0;

	for (int i = 0; i < n && off < sizeof(line); i++) {
		int ns = ps_hook_slots(dps[i].opts.hook, slots);

		off += snprintf(line + off, sizeof(line) - off, "%s%s [", i ? ", " : "",
				dps[i].ifname);
		for (int h = 0; h < ns && off < sizeof(line); h++)
			off += snprintf(line + off, sizeof(line) - off, "%s%s/%s %s", h ? ", " : "",
					ps_slot_hook(slots[h]), ps_slot_direction(slots[h]),
					dps[i].att[slots[h]].mode);
		if (dps[i].hook_auto && off < sizeof(line))
			off += snprintf(line + off, sizeof(line) - off, ": auto, %s",
					dps[i].hook_why);
		if (off < sizeof(line))
			off += snprintf(line + off, sizeof(line) - off, "]");
	}
	ps_err("watching %s; Ctrl-C stops", line);
}

int cli_opt_iface(const char *arg, const char **ifaces, int *n)
{
	if (*n == CLI_MAX_IFACES) {
		ps_err("at most %d interfaces at once", CLI_MAX_IFACES);
		return -EINVAL;
	}
	ifaces[(*n)++] = arg;
	return 0;
}

int cli_opt_xdp_mode(const char *arg, struct ps_datapath_opts *dp, bool *set)
{
	if (ps_xdp_mode_parse(arg, &dp->xdp_mode)) {
		ps_err("--xdp-mode takes auto, native or generic, not '%s'", arg);
		return -EINVAL;
	}
	*set = true;
	return 0;
}

int cli_opt_count(const char *arg, long *count, const char *noun)
{
	if (ps_parse_long(arg, 1, 1L << 40, count)) {
		ps_err("-c takes a positive number of %s, not '%s'", noun, arg);
		return -EINVAL;
	}
	return 0;
}

int cli_opt_ttl(const char *arg, struct ps_datapath_opts *dp)
{
	long v;

	if (ps_parse_long(arg, 0, 255, &v)) {
		ps_err("--ttl-threshold takes 0 to 255, not '%s'", arg);
		return -EINVAL;
	}
	dp->ttl_threshold = v;
	return 0;
}

int cli_opt_error(int opt, char **argv, const char *cmd)
{
	/* A long option is named as given; a short one by itself, since in
	 * a group ("-nz") argv[optind - 1] may be the word before it. */
	char one[3] = { '-', (char)optopt, '\0' };
	const char *name = strncmp(argv[optind - 1], "--", 2) && optopt ? one : argv[optind - 1];

	/* getopt with a leading ':' in optstring: ':' is a missing value. */
	if (opt == ':')
		ps_err("%s needs a value: see `pktscope %s --help`", name, cmd);
	else
		ps_err("unknown option '%s': see `pktscope %s --help`", name, cmd);
	return -EINVAL;
}

void cli_dp_defaults(struct ps_datapath_opts *dp)
{
	dp->hook = PS_HOOK_AUTO;
	dp->xdp_mode = PS_XDP_AUTO;
	dp->ttl_threshold = 2;
}

int cli_check_source(const char *file, int nifaces, const struct ps_datapath_opts *dp,
		     bool xdp_mode_set)
{
	/* --hook auto takes native XDP or TC: generic XDP gains nothing over
	 * TC, so it is only had by asking for it. */
	if (xdp_mode_set && dp->hook != PS_HOOK_XDP) {
		ps_err("--xdp-mode applies to --hook xdp only (--hook auto, the default, takes "
		       "native XDP or TC): add --hook xdp");
		return -EINVAL;
	}
	if (file && nifaces) {
		ps_err("-r reads a file and -i watches an interface: give one of them");
		return -EINVAL;
	}
	return 0;
}

/*
 * json_dumpf() hands stdio every token apart (an fwrite() per key, value
 * and comma): that cost more than building the object.  One line is dumped
 * into a buffer and written whole; one that does not fit (none of
 * pktscope's records) takes the slow way.
 */
int cli_json_line(const json_t *o, size_t flags)
{
	char buf[4096];
	size_t n;

	if (!o)
		return -1;
	n = json_dumpb(o, buf, sizeof(buf) - 1, flags);
	if (!n)
		return -1;
	if (n > sizeof(buf) - 1)
		return json_dumpf(o, stdout, flags) || fputc('\n', stdout) == EOF ? -1 : 0;
	buf[n++] = '\n';
	return fwrite(buf, 1, n, stdout) == n ? 0 : -1;
}

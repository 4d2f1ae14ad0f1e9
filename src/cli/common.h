/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What every live subcommand does the same way: pick interfaces, load and
 * attach a datapath on each, say so, and stop on a signal. */
#ifndef PS_CLI_COMMON_H
#define PS_CLI_COMMON_H

#include <signal.h>
#include <jansson.h>
#include "datapath.h"

#define CLI_MAX_IFACES 16

/* Set by SIGINT, SIGTERM, SIGHUP and SIGPIPE. */
extern volatile sig_atomic_t cli_stop;
/* Installs the handlers (without SA_RESTART: a signal ends any wait). */
void cli_signals(void);

/* With no interface given, takes the default route's and says so; refuses
 * a name given twice.  Returns 0 or -errno after one line. */
int cli_pick_ifaces(const char **ifaces, int *n);

/* Loads and attaches a datapath on each interface (ps_datapath_open():
 * --hook auto chooses per interface); on failure closes all and returns
 * -errno (after one line), else 0. */
int cli_attach_all(struct ps_datapath *dps, const char **ifaces, int n,
		   const struct ps_datapath_opts *o);
/* The same with options of its own for each interface (o[i]). */
int cli_attach_each(struct ps_datapath *dps, const char **ifaces, int n,
		    const struct ps_datapath_opts *o);
void cli_close_all(struct ps_datapath *dps, int n);

/* "pktscope: watching eth0 [xdp/ingress native, tc/egress tcx]; ...", and
 * with --hook auto why: "vb [tc/ingress tcx, tc/egress tcx: auto, veth is
 * virtual: XDP would cost throughput]". */
void cli_announce(const struct ps_datapath *dps, int n);

/* Options the attaching subcommands share, parsed one way with one wording.
 * Each returns 0, or -EINVAL after one line. */
int cli_opt_iface(const char *arg, const char **ifaces, int *n);
int cli_opt_xdp_mode(const char *arg, struct ps_datapath_opts *dp, bool *set);
int cli_opt_count(const char *arg, long *count, const char *noun);
int cli_opt_ttl(const char *arg, struct ps_datapath_opts *dp);

/* The line for getopt_long's ':' (a value missing) or '?' (unknown
 * option) in subcommand 'cmd'; returns -EINVAL. */
int cli_opt_error(int opt, char **argv, const char *cmd);

/* The datapath options every subcommand starts from: the hook that fits
 * each interface (--hook auto), TTL anomalies below 2. */
void cli_dp_defaults(struct ps_datapath_opts *dp);

/* The checks every subcommand makes of where packets come from: -r or
 * -i, not both; --xdp-mode with the XDP hook only.  One line and -EINVAL,
 * or 0. */
int cli_check_source(const char *file, int nifaces, const struct ps_datapath_opts *dp,
		     bool xdp_mode_set);

/* Refuses to go on without the privileges BPF needs (one line). */
int cli_need_privs(const char *cmd);

/* Writes 'o' (NULL: fails) and a newline to stdout, dumped with 'flags';
 * returns 0, or -1 when it could not be written. */
int cli_json_line(const json_t *o, size_t flags);

#endif

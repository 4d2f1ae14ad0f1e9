/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PS_CLI_H
#define PS_CLI_H

/* Exit codes, as DESIGN.md fixes them. */
#define PS_EXIT_OK 0
#define PS_EXIT_FAIL 1
#define PS_EXIT_USAGE 2

/* Each subcommand: argv[0] is the subcommand's name; returns an exit code. */
int cmd_stats(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_flows(int argc, char **argv);

/* Maps a -errno from the library to an exit code: errors the user causes and
 * can fix (bad input, no privilege, a busy or unsupported hook) are 2. */
int ps_exit_code(int err);

/* Parses a positive number no larger than 'max'; -EINVAL otherwise. */
int ps_parse_double(const char *s, double max, double *out);
int ps_parse_long(const char *s, long min, long max, long *out);

#endif

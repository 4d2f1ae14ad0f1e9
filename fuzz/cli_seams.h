/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Seams into the subcommands' option parsers for fuzz/fuzz_cli.c, without
 * a change to src/cli: stats.c and flows.c keep their parse_args()
 * static, so each comes in whole through its own file here
 * (fuzz/cli_stats_seam.c, fuzz/cli_flows_seam.c); the Makefile leaves
 * those two out of the CLI objects it links.  watch and capture parse
 * with ev_parse_args(), which is public.
 *
 * Each parses argv as the subcommand would and, when it takes them,
 * checks what the parsed options promise (fz_fail() otherwise), then
 * frees them.  Returns what parse_args() returned.
 */
#ifndef PS_FUZZ_CLI_SEAMS_H
#define PS_FUZZ_CLI_SEAMS_H

int fz_stats_parse(int argc, char **argv);
int fz_flows_parse(int argc, char **argv);

#endif

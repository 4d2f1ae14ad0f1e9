// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pktscope stats, whole, for its static parse_args() (fuzz/cli_seams.h). */
#include "cli/stats.c"
#include "cli_seams.h"
#include "fuzz.h"

int fz_stats_parse(int argc, char **argv)
{
	struct stats_args a;
	int err = parse_args(argc, argv, &a);

	if (err)
		return err;
	if (a.file && a.nifaces)
		fz_fail("stats took -r and -i together");
	if (a.nifaces < 0 || a.nifaces > MAX_IFACES)
		fz_fail("stats took %d interfaces", a.nifaces);
	if (a.dp.hook == PS_HOOK_SOCKET)
		fz_fail("stats took --hook socket");
	if (!(a.interval >= 0.01 && a.interval <= 86400))
		fz_fail("stats took an interval of %g s", a.interval);
	if (a.count < 0)
		fz_fail("stats took -c %ld", a.count);
	return 0;
}

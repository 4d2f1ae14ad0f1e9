// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pktscope flows, whole, for its static parse_args() (fuzz/cli_seams.h). */
#include "cli/flows.c"
#include "cli_seams.h"
#include "fuzz.h"

int fz_flows_parse(int argc, char **argv)
{
	struct flows_args fa;
	int err = parse_args(argc, argv, &fa);

	if (!err) {
		if (fa.ev.file && fa.ev.nifaces)
			fz_fail("flows took -r and -i together");
		if (fa.ev.nifaces < 0 || fa.ev.nifaces > CLI_MAX_IFACES)
			fz_fail("flows took %d interfaces", fa.ev.nifaces);
		if (fa.ev.dp.hook == PS_HOOK_SOCKET)
			fz_fail("flows took --hook socket");
		if (fa.ev.count < 0)
			fz_fail("flows took -c %ld", fa.ev.count);
	}
	/* The expression is joined before some refusals. */
	ev_args_free(&fa.ev);
	return err;
}

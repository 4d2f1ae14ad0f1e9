/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Load-time configuration: in .rodata, so the verifier prunes every stage
 * that is off and a stats-only run pays nothing for events or filters. */
#ifndef PS_CONFIG_BPF_H
#define PS_CONFIG_BPF_H

#include "pktscope/abi.h"

const volatile struct ps_config ps_cfg = {
	.ttl_threshold = 2,
};

#endif

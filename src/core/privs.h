/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PS_PRIVS_H
#define PS_PRIVS_H

#include <stdbool.h>

/* True when this process may load and attach XDP/TC programs:
 * CAP_NET_ADMIN, and CAP_BPF or CAP_SYS_ADMIN. */
bool ps_have_bpf_privs(void);

#endif

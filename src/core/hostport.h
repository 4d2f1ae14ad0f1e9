/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* HOST:PORT as users write it (an IPv6 literal in brackets), split without
 * resolving: each caller says what is wrong in its own words. */
#ifndef PS_HOSTPORT_H
#define PS_HOSTPORT_H

#include <stddef.h>

enum ps_hostport_err {
	PS_HP_OK,
	PS_HP_BRACKET,         /* "[..." without "]:" after the address */
	PS_HP_NO_PORT,         /* no ':' at all */
	PS_HP_V6_UNBRACKETED,  /* more than one ':' outside brackets */
	PS_HP_NO_HOST,
	PS_HP_HOST_LONG,       /* longer than hostlen - 1 */
	PS_HP_BAD_PORT,        /* not a number from 1 to 65535 */
};

/* Writes the host (brackets taken off) and the port as a decimal number. */
enum ps_hostport_err ps_hostport_split(const char *hp, char *host, size_t hostlen, char *port,
				       size_t portlen);

#endif

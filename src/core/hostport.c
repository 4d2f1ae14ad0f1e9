// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hostport.h"

enum ps_hostport_err ps_hostport_split(const char *hp, char *host, size_t hostlen, char *port,
				       size_t portlen)
{
	const char *h = hp, *hend, *p;
	unsigned long v;
	char *end;

	if (*hp == '[') {
		h = hp + 1;
		hend = strchr(h, ']');
		if (!hend || hend[1] != ':')
			return PS_HP_BRACKET;
		p = hend + 2;
	} else {
		hend = strrchr(hp, ':');
		if (!hend)
			return PS_HP_NO_PORT;
		if (memchr(hp, ':', hend - hp))
			return PS_HP_V6_UNBRACKETED;
		p = hend + 1;
	}
	if (hend == h)
		return PS_HP_NO_HOST;
	if ((size_t)(hend - h) >= hostlen)
		return PS_HP_HOST_LONG;
	errno = 0;
	v = strtoul(p, &end, 10);
	if (*p < '0' || *p > '9' || *end || errno || v < 1 || v > 65535)
		return PS_HP_BAD_PORT;
	memcpy(host, h, hend - h);
	host[hend - h] = '\0';
	snprintf(port, portlen, "%lu", v);
	return PS_HP_OK;
}

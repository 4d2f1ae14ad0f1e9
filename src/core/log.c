// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "log.h"

bool ps_verbose;

/* One line whatever the message quotes: a user's argument or expression
 * can hold a newline or a terminal escape, which are written as \xHH.
 * The line goes out in one write (stderr is unbuffered). */
static void line(const char *prefix, const char *fmt, va_list ap)
{
	char buf[1024], out[1024 * 4 + 32], *msg = buf, *o = out, *big = NULL;
	va_list aq;
	size_t len;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(buf, sizeof(buf), fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf) && vasprintf(&msg, fmt, ap) < 0)
		msg = buf; /* out of memory: the message cut short */
	len = strlen(msg);
	if (len * 4 + strlen(prefix) + 2 > sizeof(out)) {
		big = malloc(len * 4 + strlen(prefix) + 2);
		if (big)
			o = big;
		else
			len = (sizeof(out) - strlen(prefix) - 2) / 4;
	}
	n = sprintf(o, "%s", prefix);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = msg[i];

		if (c < 0x20 || c == 0x7f)
			n += sprintf(o + n, "\\x%02x", c);
		else
			o[n++] = c;
	}
	o[n++] = '\n';
	fwrite(o, 1, n, stderr);
	free(big);
	if (msg != buf)
		free(msg);
}

void ps_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	line("pktscope: ", fmt, ap);
	va_end(ap);
}

void ps_dbg(const char *fmt, ...)
{
	va_list ap;

	if (!ps_verbose)
		return;
	va_start(ap, fmt);
	line("pktscope: debug: ", fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!ps_verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void ps_log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

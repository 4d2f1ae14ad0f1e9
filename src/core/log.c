// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "log.h"

bool ps_verbose;

static ps_log_fn sink_fn;
static void *sink_ctx;

void ps_log_set_sink(ps_log_fn fn, void *ctx)
{
	sink_fn = fn;
	sink_ctx = fn ? ctx : NULL;
}

/* The default sink: the line goes out in one write (stderr is unbuffered). */
static void to_stderr(enum ps_log_level level, const char *msg)
{
	const char *prefix = level == PS_LOG_ERR ? "pktscope: " : "pktscope: debug: ";
	size_t plen = strlen(prefix), mlen = strlen(msg);
	char buf[4096], *o = buf, *big = NULL;

	if (level == PS_LOG_LIBBPF) {
		fwrite(msg, 1, mlen, stderr);
		return;
	}
	if (plen + mlen + 1 > sizeof(buf)) {
		big = malloc(plen + mlen + 1);
		if (!big) {
			/* out of memory: the line in three writes rather than none */
			fprintf(stderr, "%s%s\n", prefix, msg);
			return;
		}
		o = big;
	}
	memcpy(o, prefix, plen);
	memcpy(o + plen, msg, mlen);
	o[plen + mlen] = '\n';
	fwrite(o, 1, plen + mlen + 1, stderr);
	free(big);
}

static void deliver(enum ps_log_level level, const char *msg)
{
	if (sink_fn)
		sink_fn(level, msg, sink_ctx);
	else
		to_stderr(level, msg);
}

/* One line whatever the message quotes: a user's argument or expression
 * can hold a newline or a terminal escape, which are written as \xHH. */
static void line(enum ps_log_level level, const char *fmt, va_list ap)
{
	char buf[1024], out[1024 * 4 + 1], *msg = buf, *o = out, *big = NULL;
	va_list aq;
	size_t len, n = 0;
	int rc;

	va_copy(aq, ap);
	rc = vsnprintf(buf, sizeof(buf), fmt, aq);
	va_end(aq);
	if (rc < 0)
		return;
	if ((size_t)rc >= sizeof(buf) && vasprintf(&msg, fmt, ap) < 0)
		msg = buf; /* out of memory: the message cut short */
	len = strlen(msg);
	if (len * 4 + 1 > sizeof(out)) {
		big = malloc(len * 4 + 1);
		if (big)
			o = big;
		else
			len = (sizeof(out) - 1) / 4;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = msg[i];

		if (c < 0x20 || c == 0x7f)
			n += sprintf(o + n, "\\x%02x", c);
		else
			o[n++] = c;
	}
	o[n] = '\0';
	deliver(level, o);
	free(big);
	if (msg != buf)
		free(msg);
}

void ps_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	line(PS_LOG_ERR, fmt, ap);
	va_end(ap);
}

void ps_dbg(const char *fmt, ...)
{
	va_list ap;

	if (!ps_verbose)
		return;
	va_start(ap, fmt);
	line(PS_LOG_DBG, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[1024], *msg = buf;
	va_list aq;
	int n;

	if (!ps_verbose || level == LIBBPF_DEBUG)
		return 0;
	va_copy(aq, ap);
	n = vsnprintf(buf, sizeof(buf), fmt, aq);
	va_end(aq);
	if (n < 0)
		return n;
	/* The verifier's log comes through here in pieces of any size. */
	if ((size_t)n >= sizeof(buf) && vasprintf(&msg, fmt, ap) < 0)
		msg = buf;
	deliver(PS_LOG_LIBBPF, msg);
	if (msg != buf)
		free(msg);
	return n;
}

void ps_log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

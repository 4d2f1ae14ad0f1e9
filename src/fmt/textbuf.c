// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "textbuf.h"

/* Room for 'n' more bytes and the NUL. */
static bool grow(struct ps_text *t, size_t n)
{
	size_t cap = t->cap ? t->cap : 256;
	char *s;

	if (t->oom)
		return false;
	if (t->len + n + 1 <= t->cap)
		return true;
	while (cap < t->len + n + 1)
		cap *= 2;
	s = realloc(t->s, cap);
	if (!s) {
		t->oom = true;
		return false;
	}
	t->s = s;
	t->cap = cap;
	return true;
}

void ps_text_free(struct ps_text *t)
{
	free(t->s);
	memset(t, 0, sizeof(*t));
}

void ps_text_reset(struct ps_text *t)
{
	t->len = 0;
	t->oom = false;
	if (t->s)
		t->s[0] = '\0';
}

void ps_text_add(struct ps_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->oom)
		return;
	/* Most appends fit: one vsnprintf, a second only after growing. */
	if (!t->s && !grow(t, 0))
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->s[t->len] = '\0';
		return;
	}
	if ((size_t)n >= t->cap - t->len) {
		if (!grow(t, n)) {
			t->s[t->len] = '\0';
			return;
		}
		va_start(ap, fmt);
		vsnprintf(t->s + t->len, n + 1, fmt, ap);
		va_end(ap);
	}
	t->len += n;
}

void ps_text_addn(struct ps_text *t, const char *s, size_t n)
{
	if (!grow(t, n))
		return;
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

void ps_text_putc(struct ps_text *t, char c)
{
	ps_text_addn(t, &c, 1);
}

char *ps_text_room(struct ps_text *t, size_t n)
{
	return grow(t, n) ? t->s + t->len : NULL;
}

void ps_text_used(struct ps_text *t, size_t n)
{
	t->len += n;
	t->s[t->len] = '\0';
}

void ps_text_cut(struct ps_text *t, size_t len)
{
	if (len < t->len) {
		t->len = len;
		t->s[len] = '\0';
	}
}

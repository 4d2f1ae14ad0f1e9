/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A growable text buffer that printf appends to: a packet's lines are
 * made in one, then written whole. */
#ifndef PS_TEXTBUF_H
#define PS_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>

struct ps_text {
	char *s;      /* NUL-terminated once anything was added */
	size_t len;
	size_t cap;
	bool oom;     /* an append failed for memory: the text is incomplete */
};

void ps_text_free(struct ps_text *t);
/* Empties the text, keeping its memory (and clearing 'oom'). */
void ps_text_reset(struct ps_text *t);
void ps_text_add(struct ps_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ps_text_addn(struct ps_text *t, const char *s, size_t n);
void ps_text_putc(struct ps_text *t, char c);
/* Room for 'n' more bytes at the end (NULL without memory); after
 * writing there, ps_text_used() adds what was written. */
char *ps_text_room(struct ps_text *t, size_t n);
void ps_text_used(struct ps_text *t, size_t n);
/* Drops what was added after length 'len'. */
void ps_text_cut(struct ps_text *t, size_t len);

#endif

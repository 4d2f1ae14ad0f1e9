// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The bytes of a frame as tcpdump's -x, -X and -A print them: lines of
 * "\t0x0010:  4500 0054 ..." (16 bytes each), with -X the bytes again as
 * ASCII beside them, with -A the bytes as text.
 */
#include "pktfmt.h"

#define BYTES_PER_LINE 16

static bool graph(__u8 c)
{
	return c > 0x20 && c < 0x7f;
}

void pf_hex(struct ps_text *t, const char *ident, const __u8 *b, __u32 len, __u32 oset)
{
	__u32 i = 0, n;

	for (n = 0; n + 1 < len; n += 2) {
		if (i++ % 8 == 0) {
			ps_text_add(t, "%s0x%04x: ", ident, oset);
			oset += BYTES_PER_LINE;
		}
		ps_text_add(t, " %02x%02x", b[n], b[n + 1]);
	}
	if (len & 1) {
		if (i % 8 == 0)
			ps_text_add(t, "%s0x%04x: ", ident, oset);
		ps_text_add(t, " %02x", b[len - 1]);
	}
}

void pf_hex_ascii(struct ps_text *t, const char *ident, const __u8 *b, __u32 len)
{
	char hex[8 * 5 + 1], asc[BYTES_PER_LINE + 1];
	__u32 oset = 0, i = 0, h = 0, a = 0;

	for (__u32 n = 0; n < len; n++) {
		/* Pairs of bytes as " xxxx", an odd last byte as " xx". */
		if (n % 2 == 0) {
			hex[h++] = ' ';
			if (n + 1 == len)
				i++;
		} else {
			i++;
		}
		hex[h++] = "0123456789abcdef"[b[n] >> 4];
		hex[h++] = "0123456789abcdef"[b[n] & 0xf];
		asc[a++] = graph(b[n]) ? b[n] : '.';
		if (i == 8 && n % 2) {
			hex[h] = asc[a] = '\0';
			ps_text_add(t, "%s0x%04x: %-40s  %s", ident, oset, hex, asc);
			i = h = a = 0;
			oset += BYTES_PER_LINE;
		}
	}
	if (i > 0) {
		hex[h] = asc[a] = '\0';
		ps_text_add(t, "%s0x%04x: %-40s  %s", ident, oset, hex, asc);
	}
}

void pf_ascii(struct ps_text *t, const __u8 *b, __u32 len)
{
	ps_text_add(t, "\n");
	for (__u32 n = 0; n < len; n++) {
		__u8 c = b[n];

		if (c == '\r') {
			/* tcpdump drops a CR that ends a line (or the text). */
			if (len - n - 1 > 1 && b[n + 1] != '\n')
				ps_text_putc(t, '.');
		} else if (!graph(c) && c != '\t' && c != ' ' && c != '\n') {
			ps_text_putc(t, '.');
		} else {
			ps_text_putc(t, c);
		}
	}
}

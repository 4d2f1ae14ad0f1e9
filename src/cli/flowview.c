// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <curses.h>
#include "flowtable.h"
#include "flowview.h"

int flowview_open(struct flowview *v)
{
	/* Not initscr(): on a terminal type it cannot use it prints its own
	 * message and exit()s, past our error and cleanup paths. */
	if (!newterm(NULL, stdout, stdin))
		return -ENOTTY;
	def_prog_mode();
	cbreak();
	noecho();
	curs_set(0);
	keypad(stdscr, TRUE);
	v->open = true;
	return 0;
}

/* The fields that fit the width, two blanks apart, in order: the first
 * ones are what must not be missed (flows, packets, overflow). */
static void status_line(char *buf, size_t len, const char *const *status, int n, int width)
{
	size_t at = 0;

	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		size_t l = strlen(status[i]) + (at ? 2 : 0);

		if (at + l > (size_t)width || at + l >= len)
			break;
		at += snprintf(buf + at, len - at, "%s%s", at ? "  " : "", status[i]);
	}
}

void flowview_draw(struct flowview *v, const char *title, const char *const *status,
		   int nstatus, const struct ps_agg_row *rows, int n, __u64 now_real_ns)
{
	struct ps_table t;
	char line[1024];
	int max = LINES - 4, err;

	if (max < 0)
		max = 0;
	if (v->top && v->top < max)
		max = v->top;
	if (n > max)
		n = max;
	ps_table_init(&t, PS_TABLE_VIEW, v->by, v->sort, now_real_ns);
	err = ps_table_layout(&t, rows, n, COLS);
	erase();
	mvaddnstr(0, 0, title, COLS);
	status_line(line, sizeof(line), status, nstatus, COLS);
	mvaddnstr(1, 0, line, COLS);
	if (err) {
		snprintf(line, sizeof(line), "needs %d columns", t.need);
		mvaddnstr(3, 0, line, COLS);
	} else {
		ps_table_header(&t, line, sizeof(line));
		attron(A_REVERSE);
		mvaddnstr(2, 0, line, COLS);
		attroff(A_REVERSE);
		for (int i = 0; i < n; i++) {
			bool ended = rows[i].r.end != PS_FLOW_END_NONE;

			ps_table_row(&t, &rows[i], line, sizeof(line));
			if (ended)
				attron(A_DIM);
			mvaddnstr(3 + i, 0, line, COLS);
			if (ended)
				attroff(A_DIM);
		}
	}
	snprintf(line, sizeof(line),
		 "sort: %s (b bytes, p packets, r rate, a age)   by: %s (g next)   q quit",
		 ps_agg_sort_name(v->sort), ps_agg_by_name(v->by));
	if ((int)strlen(line) > COLS)
		snprintf(line, sizeof(line), "sort: %s  by: %s  keys: b p r a g q",
			 ps_agg_sort_name(v->sort), ps_agg_by_name(v->by));
	mvaddnstr(LINES - 1, 0, line, COLS);
	refresh();
}

enum flowview_action flowview_key(struct flowview *v, int timeout_ms)
{
	int ch;

	timeout(timeout_ms);
	ch = getch();
	switch (ch) {
	case 'q':
	case 'Q':
		return FV_QUIT;
	case 'b':
		v->sort = PS_SORT_BYTES;
		return FV_CHANGED;
	case 'p':
		v->sort = PS_SORT_PACKETS;
		return FV_CHANGED;
	case 'r':
		v->sort = PS_SORT_RATE;
		return FV_CHANGED;
	case 'a':
		v->sort = PS_SORT_AGE;
		return FV_CHANGED;
	case 'g':
		v->by = (v->by + 1) % (PS_BY_DST + 1);
		return FV_CHANGED;
	case KEY_RESIZE:
		return FV_CHANGED;
	default:
		return FV_NONE;
	}
}

void flowview_close(struct flowview *v)
{
	if (!v->open)
		return;
	endwin();
	v->open = false;
}

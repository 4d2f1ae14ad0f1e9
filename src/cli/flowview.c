// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <curses.h>
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

void flowview_draw(struct flowview *v, const char *title, const char *status,
		   const struct ps_agg_row *rows, int n, __u64 now_real_ns)
{
	char line[512];
	int max = LINES - 4;

	if (v->top && v->top < max)
		max = v->top;
	erase();
	mvaddnstr(0, 0, title, COLS);
	mvaddnstr(1, 0, status, COLS);
	ps_flow_table_header(line, sizeof(line), v->by);
	attron(A_REVERSE);
	mvaddnstr(2, 0, line, COLS);
	attroff(A_REVERSE);
	for (int i = 0; i < n && i < max; i++) {
		ps_flow_table_row(line, sizeof(line), &rows[i], v->by, true, now_real_ns);
		mvaddnstr(3 + i, 0, line, COLS);
	}
	snprintf(line, sizeof(line),
		 "sort: %s (b bytes, p packets, r rate, a age)   by: %s (g next)   q quit",
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

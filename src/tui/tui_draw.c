// SPDX-License-Identifier: GPL-2.0-only
/* Cells, rows and scrolling shared by the tab tables. */
#include <curses.h>
#include <string.h>
#include "tui/tui_int.h"

void tui_cell(int y, int x, int width, bool right, const char *s)
{
	char buf[512];

	/* Never past the right edge: curses would wrap onto the next line. */
	if (x + width > COLS)
		width = COLS - x;
	if (width <= 0)
		return;
	tui_fit(buf, sizeof(buf), s, width);
	mvprintw(y, x, right ? "%*s" : "%-*s", width, buf);
}

void tui_rate_cell(struct tui *t, int y, int x, int width, double rate)
{
	static const int pairs[] = { 0, CP_LOW, CP_MID, CP_HIGH };
	char buf[32];
	int heat = tui_heat(rate);

	tui_fmt_rate(buf, sizeof(buf), rate, t->o->units);
	if (t->color && heat)
		attron(COLOR_PAIR(pairs[heat]));
	tui_cell(y, x, width, true, buf);
	if (t->color && heat)
		attroff(COLOR_PAIR(pairs[heat]));
}

void tui_header_line(struct tui *t, int y, int w, const char *text)
{
	int attr = A_BOLD | A_REVERSE;

	attron(attr);
	mvprintw(y, 0, "%-*.*s", w, w, text);
	attroff(attr);
}

int tui_row_attr(struct tui *t, bool selected, bool exited)
{
	return (selected ? A_REVERSE : 0) | (exited ? A_DIM : 0);
}

void tui_scroll_fix(struct tui_list *l, size_t n, int h)
{
	if (h < 1)
		h = 1;
	if (l->sel >= (int)n)
		l->sel = n ? (int)n - 1 : 0;
	if (l->sel < 0)
		l->sel = 0;
	if (l->sel < l->top)
		l->top = l->sel;
	if (l->sel >= l->top + h)
		l->top = l->sel - h + 1;
	/* No empty space below the last row while rows are hidden above. */
	if (l->top > (int)n - h)
		l->top = (int)n - h;
	if (l->top < 0)
		l->top = 0;
}

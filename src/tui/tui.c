// SPDX-License-Identifier: GPL-2.0-only
/*
 * The TUI's main loop and keys: a refresh every --interval (the model into
 * rows), the capture drained in short slices in between so keys answer at
 * once, and a redraw after every key. Header and status lines are drawn
 * first, so they stay whatever the table's length; the terminal is restored
 * on every way out (q, Ctrl-C, SIGTERM, an error, exit()).
 */
#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/util.h"
#include "monitor/model/output.h"
#include "tui/tui_dns.h"
#include "tui/tui_int.h"

#define SLICE_MS 50		/* longest a key waits for the capture */
#define REFRESH_PERIOD 1.0	/* socket dumps between refreshes longer than this */
#define KEY_CTRL(c) ((c) & 0x1f)
#define KEY_ESC 27

static bool curses_on;

static void restore_terminal(void)
{
	if (curses_on) {
		curses_on = false;
		endwin();
	}
}

/* A crash leaves a usable terminal behind (as htop's CRT does), then dies as it would have. */
static void crash(int sig)
{
	restore_terminal();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_crashes(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], crash);
}

static const char *const tab_names[TAB_MAX] = { "Processes", "Connections", "Interfaces", "DNS" };

static void draw_tabs(struct tui *t, int w)
{
	int x = 0;

	move(0, 0);
	clrtoeol();
	attron(A_BOLD);
	mvprintw(0, 0, "netoproc ");
	attroff(A_BOLD);
	x = 9;
	for (int i = 0; i < TAB_MAX; i++) {
		char label[48];
		int attr = i == (int)t->tab ? (A_REVERSE | A_BOLD) : 0;

		/* The current tab in brackets too: visible without attributes. */
		snprintf(label, sizeof(label), i == (int)t->tab ? "[%d %s]" : " %d %s ", i + 1,
			 tab_names[i]);
		if (attr && t->color)
			attron(COLOR_PAIR(CP_TITLE));
		attron(attr);
		mvprintw(0, x, "%s", label);
		attroff(attr);
		if (attr && t->color)
			attroff(COLOR_PAIR(CP_TITLE));
		x += (int)strlen(label) + 1;
	}
	if (t->paused) {
		attron(A_BOLD | A_REVERSE);
		mvprintw(0, w - 8, " PAUSED ");
		attroff(A_BOLD | A_REVERSE);
	}
}

/* Line 1: order, filter, focus on the left; the totals of every process since start on the right. */
static void draw_summary(struct tui *t, int w)
{
	char right[256], rxr[32], txr[32], rxt[32], txt[32], what[160] = "";
	int len;

	tui_fmt_rate(rxr, sizeof(rxr), t->shown.rx_rate, t->o->units);
	tui_fmt_rate(txr, sizeof(txr), t->shown.tx_rate, t->o->units);
	tui_fmt_bytes(rxt, sizeof(rxt), t->shown.rx_total);
	tui_fmt_bytes(txt, sizeof(txt), t->shown.tx_total);
	if (t->tab == TAB_PROCS || t->tab == TAB_CONNS)
		snprintf(what, sizeof(what), "sort: %s%s", tui_sort_name(t->tab, t->sort),
			 t->reverse ? ", reversed" : "");
	if (t->filter[0])
		snprintf(what + strlen(what), sizeof(what) - strlen(what), "%sfilter: %s",
			 what[0] ? "  " : "", t->filter);
	if (t->focus && t->tab == TAB_CONNS)
		snprintf(what + strlen(what), sizeof(what) - strlen(what), "%sprocess: %s",
			 what[0] ? "  " : "", t->focus_name);
	/* The most that fits: rates, totals, the process count; totals before all. */
	len = snprintf(right, sizeof(right), "RX %s TX %s  total RX %s TX %s  %zu process%s", rxr,
		       txr, rxt, txt, t->nprocs, t->nprocs == 1 ? "" : "es");
	if ((int)strlen(what) + 2 + len > w)
		len = snprintf(right, sizeof(right), "RX %s TX %s  total RX %s TX %s", rxr, txr, rxt, txt);
	if ((int)strlen(what) + 2 + len > w)
		len = snprintf(right, sizeof(right), "total RX %s TX %s", rxt, txt);
	move(1, 0);
	clrtoeol();
	mvprintw(1, 0, "%.*s", w, what);
	if (len < w)
		mvprintw(1, w - len, "%s", right);
}

/* Always on screen: capture mode and tier, degraded parts, losses, refresh, fallback. */
static void draw_status(struct tui *t, int y, int w)
{
	const struct capture *cap = t->feed->cap;
	char line[1024], deg[160] = "none";
	bool warn = t->stat_lost || t->stat_overflow || cap->ndegraded || t->o->fallback;
	int attr = A_REVERSE;

	if (cap->ndegraded) {
		char one[128];

		snprintf(deg, sizeof(deg), "%d (%s%s)", cap->ndegraded,
			 np_degraded_text(&cap->degraded[0], one, sizeof(one)),
			 cap->ndegraded > 1 ? ", ..." : "");
	}
	/* The fallback reason before the degraded parts: it says why the mode is what it is. */
	snprintf(line, sizeof(line), " %s (%s)  lost %llu  overflow %llu  every %.1fs  %s%s%sdegraded: %s",
		 cap->mode, cap->attach ? cap->attach : "-", (unsigned long long)t->stat_lost,
		 (unsigned long long)t->stat_overflow, t->o->interval,
		 t->o->fallback ? "fallback: " : "", t->o->fallback ? t->o->fallback : "",
		 t->o->fallback ? "  " : "", deg);
	if (warn && t->color)
		attron(COLOR_PAIR(CP_WARN));
	attron(attr);
	mvprintw(y, 0, "%-*.*s", w, w, line);
	attroff(attr);
	if (warn && t->color)
		attroff(COLOR_PAIR(CP_WARN));
}

static void draw_hints(struct tui *t, int y, int w)
{
	move(y, 0);
	clrtoeol();
	if (t->editing) {
		mvprintw(y, 0, "Filter: %s", t->edit);
		mvprintw(y, w - 32 > 10 + (int)strlen(t->edit) ? w - 32 : 0, "%s",
			 w - 32 > 10 + (int)strlen(t->edit) ? "Enter apply  Esc clear" : "");
		move(y, 8 + (int)strlen(t->edit));
		return;
	}
	mvprintw(y, 0, "%.*s", w,
		 "q quit  ? keys  Tab/1-4 tabs  s/S sort  r reverse  / filter  Enter connections"
		 "  c command  p pause");
}

static const char *const help_lines[] = {
	"Keys",
	"",
	"q, Ctrl-C        quit",
	"Tab, Shift-Tab   next, previous tab",
	"1 2 3 4          Processes, Connections, Interfaces, DNS",
	"s, S             sort: traffic, rate, pid, name, connections",
	"r                reverse the order",
	"/                filter (Enter applies, Esc clears)",
	"Esc              clear the filter and the process shown",
	"Up, Down, j, k   move the selection",
	"PgUp, PgDn       a page up or down",
	"Home, End        first, last row",
	"Enter            the selected process's connections",
	"c                command lines instead of names",
	"p                pause (capture goes on; the screen holds)",
	"?                this help (any key closes it)",
};

static void draw_help(int h, int w)
{
	int n = (int)(sizeof(help_lines) / sizeof(help_lines[0]));
	int bw = 66, bh = n + 4, y0 = (h - bh) / 2, x0 = (w - bw) / 2;

	if (y0 < 0)
		y0 = 0;
	if (x0 < 0)
		x0 = 0;
	for (int i = 0; i < bh && y0 + i < h; i++) {
		move(y0 + i, x0);
		for (int j = 0; j < bw && x0 + j < w; j++)
			addch(i == 0 || i == bh - 1 ? '-' : (j == 0 || j == bw - 1) ? '|' : ' ');
	}
	for (int i = 0; i < n && y0 + 2 + i < h - 1; i++) {
		if (i == 0)
			attron(A_BOLD);
		mvprintw(y0 + 2 + i, x0 + 3, "%.*s", bw - 6, help_lines[i]);
		if (i == 0)
			attroff(A_BOLD);
	}
}

static void draw(struct tui *t)
{
	int h, w;

	getmaxyx(stdscr, h, w);
	erase();
	if (w < TUI_MIN_W || h < TUI_MIN_H) {
		mvprintw(h / 2 > 0 ? h / 2 - 1 : 0, 0, "%.*s", w, "netoproc needs at least 80x24");
		mvprintw(h / 2, 0, "this terminal is %dx%d: make it larger, or q to quit", w, h);
		refresh();
		return;
	}
	draw_tabs(t, w);
	draw_summary(t, w);
	/* Table: lines 2 .. h-3; status h-2; hints h-1. */
	switch (t->tab) {
	case TAB_PROCS:
		tui_procs_draw(t, 2, h - 4, w);
		break;
	case TAB_CONNS:
		tui_conns_draw(t, 2, h - 4, w);
		break;
	case TAB_IFACES:
		tui_ifaces_draw(t, 2, h - 4, w);
		break;
	default:
		tui_dns_draw(t->o->dns, 2, h - 4, w);
		break;
	}
	draw_status(t, h - 2, w);
	if (t->help)
		draw_help(h, w);
	draw_hints(t, h - 1, w);
	curs_set(t->editing ? 1 : 0);
	refresh();
}

static size_t tab_rows(const struct tui *t)
{
	switch (t->tab) {
	case TAB_PROCS:
		return t->npidx;
	case TAB_CONNS:
		return t->ncidx;
	case TAB_IFACES:
		return t->niidx;
	default:
		return 0;
	}
}

static void move_sel(struct tui *t, long delta, bool absolute)
{
	struct tui_list *l = &t->list[t->tab];
	long n = (long)tab_rows(t), s = absolute ? delta : l->sel + delta;

	if (s >= n)
		s = n - 1;
	if (s < 0)
		s = 0;
	l->sel = (int)s;
	tui_data_note_selection(t);
}

static void open_connections(struct tui *t)
{
	const struct tui_list *l = &t->list[TAB_PROCS];
	const struct tui_prow *r;

	if (l->sel >= (int)t->npidx)
		return;
	r = &t->prows[t->pidx[l->sel]];
	if (r->sub)	/* a remote under unknown: unknown's connections */
		for (size_t i = l->sel; i > 0 && r->sub; i--)
			r = &t->prows[t->pidx[i - 1]];
	t->focus = true;
	/* Remote rows and unknown share serial 0: the unknown row's key. */
	t->focus_serial = r->unknown ? 0 : r->key;
	t->focus_group = r->is_group;
	if (r->unknown)
		snprintf(t->focus_name, sizeof(t->focus_name), "unknown");
	else if (r->is_group)
		snprintf(t->focus_name, sizeof(t->focus_name), "%s", r->name);
	else
		snprintf(t->focus_name, sizeof(t->focus_name), "%u %s", r->pid, r->name);
	t->tab = TAB_CONNS;
	t->list[TAB_CONNS].sel = 0;
	t->list[TAB_CONNS].top = 0;
	t->list[TAB_CONNS].sel_key = 0;
	tui_data_select(t);
}

static void edit_key(struct tui *t, int ch)
{
	size_t len = strlen(t->edit);

	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		snprintf(t->filter, sizeof(t->filter), "%s", t->edit);
		t->editing = false;
	} else if (ch == KEY_ESC) {
		t->filter[0] = t->edit[0] = '\0';
		t->editing = false;
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (len)
			t->edit[len - 1] = '\0';
		return;
	} else if (ch >= 32 && ch < 127 && len + 1 < sizeof(t->edit)) {
		t->edit[len] = (char)ch;
		t->edit[len + 1] = '\0';
		return;
	} else {
		return;
	}
	for (int i = 0; i < TAB_MAX; i++)
		t->list[i].sel = t->list[i].top = 0;
	tui_data_select(t);
}

static void key(struct tui *t, int ch)
{
	int h, w, page;

	getmaxyx(stdscr, h, w);
	(void)w;
	page = h - 5 > 1 ? h - 5 : 1;
	if (ch == KEY_RESIZE)
		return;
	if (ch == KEY_CTRL('c')) {
		t->quit = true;
		return;
	}
	if (t->editing) {
		edit_key(t, ch);
		return;
	}
	if (t->help) {	/* any key closes the help */
		t->help = false;
		return;
	}
	switch (ch) {
	case 'q':
	case 'Q':
		t->quit = true;
		break;
	case '\t':
		t->tab = (t->tab + 1) % TAB_MAX;
		break;
	case KEY_BTAB:
		t->tab = (t->tab + TAB_MAX - 1) % TAB_MAX;
		break;
	case '1': case '2': case '3': case '4':
		t->tab = ch - '1';
		break;
	case 's':
		t->sort = (t->sort + 1) % TS_MAX;
		tui_data_select(t);
		break;
	case 'S':
		t->sort = (t->sort + TS_MAX - 1) % TS_MAX;
		tui_data_select(t);
		break;
	case 'r':
		t->reverse = !t->reverse;
		tui_data_select(t);
		break;
	case '/':
		t->editing = true;
		snprintf(t->edit, sizeof(t->edit), "%s", t->filter);
		break;
	case KEY_ESC:
		t->filter[0] = '\0';
		t->focus = false;
		tui_data_select(t);
		break;
	case KEY_UP: case 'k':
		move_sel(t, -1, false);
		break;
	case KEY_DOWN: case 'j':
		move_sel(t, 1, false);
		break;
	case KEY_PPAGE:
		move_sel(t, -page, false);
		break;
	case KEY_NPAGE:
		move_sel(t, page, false);
		break;
	case KEY_HOME: case 'g':
		move_sel(t, 0, true);
		break;
	case KEY_END: case 'G':
		move_sel(t, (long)tab_rows(t) - 1, true);
		break;
	case '\n': case '\r': case KEY_ENTER:
		if (t->tab == TAB_PROCS)
			open_connections(t);
		break;
	case 'c':
		t->show_cmdline = !t->show_cmdline;
		break;
	case 'p':
	case ' ':
		t->paused = !t->paused;
		break;
	case '?':
	case 'h':
		t->help = true;
		break;
	default:
		break;
	}
}

static void start_colors(struct tui *t)
{
	if (!t->color || !has_colors()) {
		t->color = false;
		return;
	}
	start_color();
	use_default_colors();
	init_pair(CP_LOW, COLOR_GREEN, -1);
	init_pair(CP_MID, COLOR_YELLOW, -1);
	init_pair(CP_HIGH, COLOR_RED, -1);
	init_pair(CP_TITLE, COLOR_CYAN, -1);
	init_pair(CP_WARN, COLOR_RED, -1);
}

static enum tui_sort sort_of(enum sort_key k)
{
	switch (k) {
	case SORT_PID:
		return TS_PID;
	case SORT_NAME:
		return TS_NAME;
	case SORT_CONNECTIONS:
		return TS_CONNS;
	default:
		return TS_TRAFFIC;
	}
}

int tui_run(struct tui_feed *f, const struct tui_opts *o)
{
	struct tui t = { .o = o, .feed = f, .color = o->color, .sort = sort_of(o->view->sort) };
	SCREEN *scr;
	double start, next, last_collect;
	int err = 0;

	if (tui_data_init(&t))
		return NP_EXIT_FATAL;
	setlocale(LC_CTYPE, "");
	t.utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		tui_data_free(&t);
		return -1;
	}
	curses_on = true;
	atexit(restore_terminal);
	catch_crashes();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	start_colors(&t);

	start = last_collect = now_monotonic();
	t.last_tick = start;
	next = start + o->interval;
	/* A first look at once: the screen is not empty for a whole interval. */
	if (!(err = f->collect(f)))
		err = tui_data_tick(&t, start, o->interval);
	draw(&t);
	while (!err && !t.quit && !np_stop_requested) {
		double now = now_monotonic();
		bool redraw = false;
		int ch, slice;

		if (now >= next) {
			if ((err = f->collect(f)))
				break;
			last_collect = now;
			if ((err = tui_data_tick(&t, now, now - t.last_tick)))
				break;
			t.last_tick = now;
			/* Fixed steps from the start; after a stall, start again from now. */
			next += o->interval;
			if (next < now)
				next = now + o->interval;
			redraw = true;
		} else if (now - last_collect >= REFRESH_PERIOD) {
			/* Long intervals: /proc is read while processes still live. */
			if ((err = f->collect(f)))
				break;
			last_collect = now;
		}
		slice = (int)((next - now_monotonic()) * 1000) + 1;
		if ((err = f->wait(f, slice < SLICE_MS ? (slice > 0 ? slice : 0) : SLICE_MS)))
			break;
		while ((ch = getch()) != ERR) {
			key(&t, ch);
			redraw = true;
			if (t.quit)
				break;
		}
		if (redraw && !t.quit)
			draw(&t);
	}
	restore_terminal();
	delscreen(scr);
	tui_data_free(&t);
	if (err) {
		np_err("capture failed: %s", strerror(-err));
		return NP_EXIT_USAGE;
	}
	return NP_EXIT_OK;
}

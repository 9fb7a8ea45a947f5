// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Processes tab: one row per process (and the unknown row, with its top
 * remotes under it): PID, user, name or command line, cgroup, sockets, rates,
 * totals and the last 60 s of its rate as a sparkline.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>
#include "monitor/model/view.h"
#include "tui/tui_int.h"

#define W_PID 7
#define W_USER 8
#define W_CGROUP 14
#define W_SOCK 5
#define W_RATE 12
#define W_TOTAL 11
#define W_SPARK 12

struct pcols {
	int pid, user, name, cgroup, sock, rxr, txr, rxt, txt, spark;
	int w_user, w_name, w_cgroup, w_spark;
};

/* Columns that fit in @w: the user from 90 columns, the sparkline from 100, the cgroup from 120. */
static void layout(struct pcols *c, int w)
{
	int fixed = 2 + W_PID + 1 + W_SOCK + 1 + 2 * (W_RATE + 1) + 2 * (W_TOTAL + 1);

	c->w_user = w >= 90 ? W_USER : 0;
	c->w_spark = w >= 100 ? W_SPARK : 0;
	c->w_cgroup = w >= 120 ? W_CGROUP : 0;
	c->w_name = w - fixed - (c->w_user ? c->w_user + 1 : 0) - (c->w_spark ? c->w_spark + 1 : 0) -
		    (c->w_cgroup ? c->w_cgroup + 1 : 0);
	if (c->w_name < 8)
		c->w_name = 8;
	c->pid = 2;
	c->user = c->pid + W_PID + 1;
	c->name = c->user + (c->w_user ? c->w_user + 1 : 0);
	c->cgroup = c->name + c->w_name + 1;
	c->sock = c->cgroup + (c->w_cgroup ? c->w_cgroup + 1 : 0);
	c->rxr = c->sock + W_SOCK + 1;
	c->txr = c->rxr + W_RATE + 1;
	c->rxt = c->txr + W_RATE + 1;
	c->txt = c->rxt + W_TOTAL + 1;
	c->spark = c->txt + W_TOTAL + 1;
}

/* The cgroup's last component ("docker-1234.scope"), which names the container. */
static const char *cgroup_leaf(const char *path)
{
	const char *slash;

	if (!path)
		return "-";
	slash = strrchr(path, '/');
	return slash && slash[1] ? slash + 1 : path;
}

static void draw_row(struct tui *t, const struct tui_prow *r, const struct pcols *c, int y,
		     bool selected)
{
	char buf[512];
	int attr = tui_row_attr(t, selected, r->exited);

	attron(attr);
	mvhline(y, 0, ' ', c->spark + (c->w_spark ? c->w_spark : 0));
	mvprintw(y, 0, "%s", selected ? ">" : " ");
	if (r->sub) {
		tui_cell(y, c->name, c->cgroup - c->name + c->w_cgroup, false, r->name);
	} else {
		/* a group row: how many processes it sums */
		snprintf(buf, sizeof(buf), r->unknown ? "-" : "%u", r->is_group ? r->nmembers : r->pid);
		tui_cell(y, c->pid, W_PID, true, buf);
		if (c->w_user)
			tui_cell(y, c->user, c->w_user, false, r->unknown || r->is_group ? "-" :
				 tui_user_name(t, r->uid));
		if (r->is_group)
			snprintf(buf, sizeof(buf), "%s%s", r->name, r->exited ? " (exited)" : "");
		else if (r->unknown)
			snprintf(buf, sizeof(buf), "unknown (system)");
		else if (t->show_cmdline && r->cmdline)
			snprintf(buf, sizeof(buf), "%s%s", r->cmdline, r->exited ? " (exited)" : "");
		else
			snprintf(buf, sizeof(buf), "%s%s", r->name, r->exited ? " (exited)" : "");
		tui_cell(y, c->name, c->w_name, false, buf);
		if (c->w_cgroup)
			tui_cell(y, c->cgroup, c->w_cgroup, false,
				 r->unknown || r->is_group ? "-" : cgroup_leaf(r->cgroup));
		snprintf(buf, sizeof(buf), "%u", r->nsock);
		tui_cell(y, c->sock, W_SOCK, true, r->unknown ? "-" : buf);
	}
	tui_rate_cell(t, y, c->rxr, W_RATE, r->rx_rate);
	tui_rate_cell(t, y, c->txr, W_RATE, r->tx_rate);
	tui_fmt_bytes(buf, sizeof(buf), r->rx_total);
	tui_cell(y, c->rxt, W_TOTAL, true, buf);
	tui_fmt_bytes(buf, sizeof(buf), r->tx_total);
	tui_cell(y, c->txt, W_TOTAL, true, buf);
	if (c->w_spark && !r->sub &&
	    tui_sparkline(buf, sizeof(buf), r->hist, (int)r->nhist, c->w_spark, t->utf8) > 0)
		mvaddstr(y, c->spark, buf);
	attroff(attr);
}

void tui_procs_draw(struct tui *t, int y, int h, int w)
{
	struct tui_list *l = &t->list[TAB_PROCS];
	struct pcols c;

	layout(&c, w);
	tui_header_line(t, y, w, "");
	attron(A_BOLD | A_REVERSE);
	bool grouped = t->o->view->group != GROUP_PROCESS;
	char head[32];

	snprintf(head, sizeof(head), "%s", grouped ? view_group_name(t->o->view->group) : "");
	for (char *ch = head; *ch; ch++)
		*ch = (char)(*ch >= 'a' && *ch <= 'z' ? *ch - 32 : *ch);
	tui_cell(y, c.pid, W_PID, true, grouped ? "PROCS" : "PID");
	tui_cell(y, c.user, c.w_user, false, "USER");
	tui_cell(y, c.name, c.w_name, false, grouped ? head : t->show_cmdline ? "COMMAND" : "PROCESS");
	tui_cell(y, c.cgroup, c.w_cgroup, false, "CGROUP");
	tui_cell(y, c.sock, W_SOCK, true, "SOCK");
	tui_cell(y, c.rxr, W_RATE, true, "RX/s");
	tui_cell(y, c.txr, W_RATE, true, "TX/s");
	tui_cell(y, c.rxt, W_TOTAL, true, "RX total");
	tui_cell(y, c.txt, W_TOTAL, true, "TX total");
	tui_cell(y, c.spark, c.w_spark, false, "LAST 60s");
	attroff(A_BOLD | A_REVERSE);
	tui_scroll_fix(l, t->npidx, h - 1);
	if (!t->npidx) {
		mvprintw(y + 2, 2, "%s", t->filter[0] ? "No process matches the filter." :
			 "No traffic yet.");
		return;
	}
	for (int i = 0; i < h - 1 && l->top + i < (int)t->npidx; i++)
		draw_row(t, &t->prows[t->pidx[l->top + i]], &c, y + 1 + i, l->top + i == l->sel);
}

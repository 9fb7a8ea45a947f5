// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Connections tab: one row per socket that moved traffic (process, proto,
 * local, remote, state, rates, totals), and under an unconnected UDP socket
 * one row per peer. Enter on a process shows its connections only.
 */
#include <curses.h>
#include <stdio.h>
#include "monitor/model/output.h"
#include "tui/tui_int.h"

#define W_PROC 17	/* "pid name" */
#define W_PROTO 5
#define W_STATE 11
#define W_RATE 12
#define W_TOTAL 10
#define W_REMOTE 21	/* 255.255.255.255:65535 */

struct ccols {
	int proc, proto, local, remote, state, rxr, txr, rxt, txt;
	int w_local, w_remote;
};

/* What is left after the fixed columns goes to the two ends, the remote first. */
static void layout(struct ccols *c, int w)
{
	int fixed = 2 + W_PROC + 1 + W_PROTO + 1 + W_STATE + 1 + 2 * (W_RATE + 1) + 2 * (W_TOTAL + 1);
	int rest = w - fixed - 1;

	c->w_remote = rest / 2 >= W_REMOTE ? rest / 2 : (rest - 12 < W_REMOTE ? rest - 12 : W_REMOTE);
	if (c->w_remote < 12)
		c->w_remote = 12;
	c->w_local = rest - c->w_remote;
	if (c->w_local < 10)
		c->w_local = 10;
	c->proc = 2;
	c->proto = c->proc + W_PROC + 1;
	c->local = c->proto + W_PROTO + 1;
	c->remote = c->local + c->w_local + 1;
	c->state = c->remote + c->w_remote + 1;
	c->rxr = c->state + W_STATE + 1;
	c->txr = c->rxr + W_RATE + 1;
	c->rxt = c->txr + W_RATE + 1;
	c->txt = c->rxt + W_TOTAL + 1;
}

static void draw_row(struct tui *t, const struct tui_crow *r, const struct ccols *c, int y,
		     int w, bool selected)
{
	char buf[128], addr[96];
	int attr = tui_row_attr(t, selected, r->exited);

	attron(attr);
	mvhline(y, 0, ' ', w);
	mvprintw(y, 0, "%s", selected ? ">" : " ");
	if (r->peer) {
		/* A peer of the socket above: its remote end and its share of the bytes. */
		tui_cell(y, c->local, c->w_local, true, "peer ->");
		tui_remote_label(addr, sizeof(addr), &r->remote, true);
		tui_cell(y, c->remote, c->w_remote, false, addr);
	} else {
		if (r->unknown)
			snprintf(buf, sizeof(buf), "unknown");
		else
			snprintf(buf, sizeof(buf), "%u %s", r->pid, r->name);
		tui_cell(y, c->proc, W_PROC, false, buf);
		tui_cell(y, c->proto, W_PROTO, false, output_proto_name(r->protocol, r->family));
		if (r->has_local)
			output_format_endpoint(addr, sizeof(addr), &r->local, true);
		tui_cell(y, c->local, c->w_local, false, r->has_local ? addr : "-");
		tui_remote_label(addr, sizeof(addr), &r->remote, r->has_local);
		tui_cell(y, c->remote, c->w_remote, false, addr);
		tui_cell(y, c->state, W_STATE, false, r->state);
	}
	tui_rate_cell(t, y, c->rxr, W_RATE, r->rx_rate);
	tui_rate_cell(t, y, c->txr, W_RATE, r->tx_rate);
	tui_fmt_bytes(buf, sizeof(buf), r->rx_total);
	tui_cell(y, c->rxt, W_TOTAL, true, buf);
	tui_fmt_bytes(buf, sizeof(buf), r->tx_total);
	tui_cell(y, c->txt, W_TOTAL, true, buf);
	attroff(attr);
}

void tui_conns_draw(struct tui *t, int y, int h, int w)
{
	struct tui_list *l = &t->list[TAB_CONNS];
	struct ccols c;

	layout(&c, w);
	tui_header_line(t, y, w, "");
	attron(A_BOLD | A_REVERSE);
	tui_cell(y, c.proc, W_PROC, false, "PID PROCESS");
	tui_cell(y, c.proto, W_PROTO, false, "PROTO");
	tui_cell(y, c.local, c.w_local, false, "LOCAL");
	tui_cell(y, c.remote, c.w_remote, false, "REMOTE");
	tui_cell(y, c.state, W_STATE, false, "STATE");
	tui_cell(y, c.rxr, W_RATE, true, "RX/s");
	tui_cell(y, c.txr, W_RATE, true, "TX/s");
	tui_cell(y, c.rxt, W_TOTAL, true, "RX total");
	tui_cell(y, c.txt, W_TOTAL, true, "TX total");
	attroff(A_BOLD | A_REVERSE);
	tui_scroll_fix(l, t->ncidx, h - 1);
	if (!t->ncidx) {
		mvprintw(y + 2, 2, "%s", t->filter[0] || t->focus ?
			 "No connection matches." : "No connection has moved traffic yet.");
		return;
	}
	for (int i = 0; i < h - 1 && l->top + i < (int)t->ncidx; i++)
		draw_row(t, &t->crows[t->cidx[l->top + i]], &c, y + 1 + i, w, l->top + i == l->sel);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Connections tab: one row per socket that moved traffic (process, proto,
 * local, remote, state, rates, totals), and under an unconnected UDP socket
 * one row per peer. Enter on a process shows its connections only.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>
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
	int w_local, w_remote, w_state, w_total;
};

/*
 * Columns that fit in @w: always the process, proto, remote and rates; the state
 * from 90 columns, the totals from 100, the local end from 120. What is left goes
 * to the two ends, the remote first.
 */
static void layout(struct ccols *c, int w)
{
	int fixed = 2 + W_PROC + 1 + W_PROTO + 1 + 2 * (W_RATE + 1), rest;

	c->w_state = w >= 90 ? W_STATE : 0;
	c->w_total = w >= 100 ? W_TOTAL : 0;
	fixed += (c->w_state ? c->w_state + 1 : 0) + (c->w_total ? 2 * (c->w_total + 1) : 0);
	rest = w - fixed - 1;	/* the ends' widths and the separator between them */
	if (w >= 120) {
		rest--;
		c->w_remote = rest / 2 >= W_REMOTE ? rest / 2 : W_REMOTE;
		c->w_local = rest - c->w_remote;
	} else {
		c->w_remote = rest > 12 ? rest : 12;
		c->w_local = 0;
	}
	c->proc = 2;
	c->proto = c->proc + W_PROC + 1;
	c->local = c->proto + W_PROTO + 1;
	c->remote = c->local + (c->w_local ? c->w_local + 1 : 0);
	c->state = c->remote + c->w_remote + 1;
	c->rxr = c->state + (c->w_state ? c->w_state + 1 : 0);
	c->txr = c->rxr + W_RATE + 1;
	c->rxt = c->txr + W_RATE + 1;
	c->txt = c->rxt + c->w_total + 1;
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
		/* Without the local column the arrow goes before the address. */
		tui_remote_label(addr + 3, sizeof(addr) - 3, &r->remote, NULL, true);
		memcpy(addr, "-> ", 3);
		if (c->w_local)
			tui_cell(y, c->local, c->w_local, true, "peer ->");
		tui_cell(y, c->remote, c->w_remote, false, c->w_local ? addr + 3 : addr);
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
		tui_remote_label(addr, sizeof(addr), &r->remote, r->remote_name, r->has_local);
		tui_cell(y, c->remote, c->w_remote, false, addr);
		tui_cell(y, c->state, c->w_state, false, r->state);
	}
	tui_rate_cell(t, y, c->rxr, W_RATE, r->rx_rate);
	tui_rate_cell(t, y, c->txr, W_RATE, r->tx_rate);
	tui_fmt_bytes(buf, sizeof(buf), r->rx_total);
	tui_cell(y, c->rxt, c->w_total, true, buf);
	tui_fmt_bytes(buf, sizeof(buf), r->tx_total);
	tui_cell(y, c->txt, c->w_total, true, buf);
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
	tui_cell(y, c.state, c.w_state, false, "STATE");
	tui_cell(y, c.rxr, W_RATE, true, "RX/s");
	tui_cell(y, c.txr, W_RATE, true, "TX/s");
	tui_cell(y, c.rxt, c.w_total, true, "RX total");
	tui_cell(y, c.txt, c.w_total, true, "TX total");
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

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Interfaces tab: every interface of netoproc's network namespace with the
 * kernel's own counters (not netoproc's): state, addresses, rates, bytes,
 * packets, drops and errors.
 */
#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include "tui/tui_int.h"

#define W_NAME 10
#define W_STATE 10
#define W_RATE 11
#define W_TOTAL 10
#define W_NUM 9
#define W_SMALL 7

void tui_ifaces_draw(struct tui *t, int y, int h, int w)
{
	struct tui_list *l = &t->list[TAB_IFACES];
	/* name state rx/s tx/s rx tx rx_pk tx_pk drops errs addresses */
	int x_name = 2, x_state = x_name + W_NAME + 1, x_rxr = x_state + W_STATE + 1;
	int x_txr = x_rxr + W_RATE + 1, x_rxt = x_txr + W_RATE + 1, x_txt = x_rxt + W_TOTAL + 1;
	int x_rxp = x_txt + W_TOTAL + 1, x_txp = x_rxp + W_NUM + 1, x_drop = x_txp + W_NUM + 1;
	int x_err = x_drop + W_SMALL + 1, x_addr = x_err + W_SMALL + 1;
	/* Narrow terminals: packets give way to the addresses, then drops and errors share one. */
	bool packets = w - x_addr >= 12, apart = true;
	char buf[128];

	if (!packets) {
		x_drop = x_txt + W_TOTAL + 1;
		x_err = x_drop + W_SMALL + 1;
		x_addr = x_err + W_SMALL + 1;
		if (w - x_addr < 8) {
			apart = false;
			x_addr = x_drop + W_NUM + 1;
		}
	}
	tui_header_line(t, y, w, "");
	attron(A_BOLD | A_REVERSE);
	tui_cell(y, x_name, W_NAME, false, "INTERFACE");
	tui_cell(y, x_state, W_STATE, false, "STATE");
	tui_cell(y, x_rxr, W_RATE, true, "RX/s");
	tui_cell(y, x_txr, W_RATE, true, "TX/s");
	tui_cell(y, x_rxt, W_TOTAL, true, "RX");
	tui_cell(y, x_txt, W_TOTAL, true, "TX");
	if (packets) {
		tui_cell(y, x_rxp, W_NUM, true, "RX pkts");
		tui_cell(y, x_txp, W_NUM, true, "TX pkts");
	}
	if (apart) {
		tui_cell(y, x_drop, W_SMALL, true, "drops");
		tui_cell(y, x_err, W_SMALL, true, "errors");
	} else {
		tui_cell(y, x_drop, W_NUM, true, "drop/err");
	}
	tui_cell(y, x_addr, w - x_addr, false, "ADDRESSES");
	attroff(A_BOLD | A_REVERSE);
	tui_scroll_fix(l, t->niidx, h - 1);
	for (int i = 0; i < h - 1 && l->top + i < (int)t->niidx; i++) {
		const struct tui_irow *r = &t->irows[t->iidx[l->top + i]];
		bool sel = l->top + i == l->sel;
		int row = y + 1 + i, attr = tui_row_attr(t, sel, false);

		attron(attr);
		mvhline(row, 0, ' ', w);
		mvprintw(row, 0, "%s", sel ? ">" : " ");
		tui_cell(row, x_name, W_NAME, false, r->s.name);
		if (t->color && !r->s.running)
			attron(COLOR_PAIR(CP_WARN));
		tui_cell(row, x_state, W_STATE, false, ifstats_state(&r->s));
		if (t->color && !r->s.running)
			attroff(COLOR_PAIR(CP_WARN));
		tui_rate_cell(t, row, x_rxr, W_RATE, r->rx_rate);
		tui_rate_cell(t, row, x_txr, W_RATE, r->tx_rate);
		tui_fmt_bytes(buf, sizeof(buf), r->s.rx_bytes);
		tui_cell(row, x_rxt, W_TOTAL, true, buf);
		tui_fmt_bytes(buf, sizeof(buf), r->s.tx_bytes);
		tui_cell(row, x_txt, W_TOTAL, true, buf);
		if (packets) {
			snprintf(buf, sizeof(buf), "%" PRIu64, r->s.rx_packets);
			tui_cell(row, x_rxp, W_NUM, true, buf);
			snprintf(buf, sizeof(buf), "%" PRIu64, r->s.tx_packets);
			tui_cell(row, x_txp, W_NUM, true, buf);
		}
		if (apart) {
			snprintf(buf, sizeof(buf), "%" PRIu64, r->s.rx_dropped + r->s.tx_dropped);
			tui_cell(row, x_drop, W_SMALL, true, buf);
			snprintf(buf, sizeof(buf), "%" PRIu64, r->s.rx_errors + r->s.tx_errors);
			tui_cell(row, x_err, W_SMALL, true, buf);
		} else {
			snprintf(buf, sizeof(buf), "%" PRIu64 "/%" PRIu64,
				 r->s.rx_dropped + r->s.tx_dropped, r->s.rx_errors + r->s.tx_errors);
			tui_cell(row, x_drop, W_NUM, true, buf);
		}
		tui_cell(row, x_addr, w - x_addr, false, r->s.addrs[0] ? r->s.addrs : "-");
		attroff(attr);
	}
}

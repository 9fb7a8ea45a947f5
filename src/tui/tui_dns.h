/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The DNS tab. DNS capture (src/dns/) fills a struct dns_view; until it lands
 * the tab is drawn from NULL and says what it will show.
 */
#ifndef NETOPROC_TUI_DNS_H
#define NETOPROC_TUI_DNS_H

struct dns_view;	/* defined by the DNS capture */

/* Draw the tab in lines @y .. @y + @h - 1, @w columns wide; @dv may be NULL. */
void tui_dns_draw(const struct dns_view *dv, int y, int h, int w);

#endif

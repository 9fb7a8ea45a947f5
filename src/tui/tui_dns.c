// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DNS tab: resolvers in use and a log of queries by process. Drawn from
 * what the DNS capture hands over; without it (NULL) it explains itself.
 */
#include <curses.h>
#include "tui/tui_dns.h"

static const char *const explanation[] = {
	"DNS",
	"",
	"DNS capture is not part of this build yet. When it is, this tab shows:",
	"",
	"  - the resolvers in use, with queries, answers and latency for each;",
	"  - a query log: time, PID, process, query, type, response, latency",
	"    and resolver, for every lookup a process makes;",
	"  - and the Connections tab names remote hosts by what they resolved from.",
};

void tui_dns_draw(const struct dns_view *dv, int y, int h, int w)
{
	int n = (int)(sizeof(explanation) / sizeof(explanation[0]));

	if (!dv) {
		for (int i = 0; i < n && i < h; i++) {
			if (i == 0)
				attron(A_BOLD);
			mvprintw(y + i, 2, "%.*s", w > 2 ? w - 2 : 0, explanation[i]);
			if (i == 0)
				attroff(A_BOLD);
		}
		return;
	}
	/* The DNS view's tables go here when src/dns/ provides struct dns_view. */
}

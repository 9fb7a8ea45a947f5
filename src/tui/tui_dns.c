// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DNS tab: the resolvers in use, then the newest queries first. Drawn
 * from the DNS view the monitor keeps; without one (--no-dns, or the kernel
 * refused DNS capture) it says so.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "dns/dns_view.h"
#include "tui/tui_dns.h"

#define RESOLVER_ROWS 6

static void line(int y, int w, const char *text, int attr)
{
	if (attr)
		attron(attr);
	mvprintw(y, 0, "%-*.*s", w, w, text);
	if (attr)
		attroff(attr);
}

static void draw_resolvers(const struct dns_view *dv, int y, int rows, int w)
{
	char buf[256];

	snprintf(buf, sizeof(buf), " %-40s %8s %8s %8s %10s %10s", "RESOLVER", "QUERIES",
		 "FAILED", "TIMEOUTS", "AVG", "MAX");
	line(y++, w, buf, A_BOLD | A_REVERSE);
	for (unsigned i = 0; i < dv->nresolvers && (int)i < rows - 1; i++) {
		const struct dns_view_resolver *r = &dv->resolvers[i];
		char avg[16] = "-", max[16] = "-";

		if (r->answered) {
			snprintf(avg, sizeof(avg), "%.2fms", r->latency_sum / r->answered);
			snprintf(max, sizeof(max), "%.2fms", r->latency_max);
		}
		snprintf(buf, sizeof(buf), " %-40.40s %8llu %7.1f%% %8llu %10s %10s", r->name,
			 (unsigned long long)r->queries,
			 r->queries ? 100.0 * r->failures / r->queries : 0.0,
			 (unsigned long long)r->timeouts, avg, max);
		line(y++, w, buf, 0);
	}
	if (!dv->nresolvers)
		line(y, w, " no queries seen yet", A_DIM);
}

static void draw_log(const struct dns_view *dv, int y, int h, int w)
{
	char buf[320];

	snprintf(buf, sizeof(buf), " %-12s %7s %-15s %-32s %-6s %-9s %9s %s", "TIME", "PID",
		 "PROCESS", "QUERY", "TYPE", "RCODE", "LATENCY", "RESOLVER");
	line(y++, w, buf, A_BOLD | A_REVERSE);
	for (int i = 0; i < h - 1; i++) {
		const struct dns_view_query *q = dns_view_recent(dv, i);
		char when[16], pid[12], lat[16];
		time_t sec;
		struct tm tm;

		if (!q)
			break;
		sec = (time_t)q->time;
		localtime_r(&sec, &tm);
		snprintf(when, sizeof(when), "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min,
			 tm.tm_sec, (int)((q->time - floor(q->time)) * 1000) % 1000);
		snprintf(pid, sizeof(pid), q->pid ? "%u" : "-", q->pid);
		if (q->latency_ms >= 0)
			snprintf(lat, sizeof(lat), "%.2fms", q->latency_ms);
		else
			snprintf(lat, sizeof(lat), "%s", q->timeout ? "timeout" : "-");
		snprintf(buf, sizeof(buf), " %-12s %7s %-15.15s %-32.32s %-6s %-9s %9s %s", when, pid,
			 q->comm, q->qname, q->type, q->rcode[0] ? q->rcode : "-", lat, q->resolver);
		/* Failures and timeouts stand out. */
		line(y++, w, buf, q->timeout || (q->rcode[0] && strcmp(q->rcode, "NOERROR")) ?
			 A_BOLD : 0);
	}
}

void tui_dns_draw(const struct dns_view *dv, int y, int h, int w)
{
	int rrows;

	if (!dv) {
		line(y, w, " DNS", A_BOLD);
		line(y + 2, w, " No DNS capture: --no-dns was given, or this kernel refused the code "
		     "that reads DNS messages (netoproc probe says which).", 0);
		return;
	}
	rrows = dv->nresolvers + 1 < RESOLVER_ROWS ? (int)dv->nresolvers + 2 : RESOLVER_ROWS + 1;
	if (rrows > h / 2)
		rrows = h / 2;
	draw_resolvers(dv, y, rrows, w);
	draw_log(dv, y + rrows + 1, h - rrows - 1, w);
}

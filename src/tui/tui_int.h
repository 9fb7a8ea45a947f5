/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the TUI: its state, the rows each tab shows (copies taken from the
 * model at every refresh, so a paused screen stays as it was), and the
 * functions the tab files share. Only tui*.c include this.
 */
#ifndef NETOPROC_TUI_INT_H
#define NETOPROC_TUI_INT_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/htab.h"
#include "lib/ifstats.h"
#include "monitor/model/model.h"
#include "tui/tui.h"

#define TUI_HIST 240		/* rate samples kept per process (60 s at 0.25 s) */
#define TUI_EXIT_GRACE 5.0	/* seconds an exited process stays on screen, dimmed */
#define TUI_UNKNOWN_TOP 5	/* remotes under the unknown row */
#define TUI_MIN_W 80
#define TUI_MIN_H 24

enum tui_tab { TAB_PROCS, TAB_CONNS, TAB_IFACES, TAB_DNS, TAB_MAX };
enum tui_sort { TS_TRAFFIC, TS_RATE, TS_PID, TS_NAME, TS_CONNS, TS_MAX };

/* Colour pairs (0: none). */
enum { CP_LOW = 1, CP_MID, CP_HIGH, CP_TITLE, CP_WARN };

/* What the TUI remembers of one model process between refreshes. */
struct tui_pstate {
	uint64_t serial;
	float hist[TUI_HIST];	/* rx+tx bytes/s, ring */
	unsigned hist_n, hist_pos;
	double rx_rate, tx_rate;
	double exited_at;	/* monotonic; 0 while it runs */
	bool seen;
	bool seen_alive;	/* /proc showed it once */
};

/* One line of the Processes tab: a process, or (sub) a remote under unknown. */
struct tui_prow {
	uint64_t key;		/* process serial; remote rows: hash of the remote */
	uint32_t pid, uid;
	bool unknown, exited, sub;
	char name[64];		/* comm, or "udp 1.2.3.4" for a remote row */
	char *cmdline, *cgroup;	/* owned copies, may be NULL */
	unsigned nsock;
	double rx_rate, tx_rate;
	uint64_t rx_total, tx_total;
	float hist[TUI_HIST];	/* oldest first */
	unsigned nhist;
	unsigned nsub;		/* unknown: its remote rows follow it */
	/* --group: the key's hash and text; a group row sums nmembers processes */
	uint64_t gkey;
	char glabel[64];
	bool is_group;
	unsigned nmembers;
};

/* One line of the Connections tab: a socket, or (peer) one peer of an unconnected UDP one. */
struct tui_crow {
	uint64_t key, serial;	/* row identity; owning process */
	uint64_t gkey;		/* --group: its process's group (hash of the key) */
	uint32_t pid;
	char name[17];
	bool unknown, exited, peer, has_local;
	uint8_t protocol;
	uint16_t family;
	struct np_endpoint local, remote;
	char remote_name[64];	/* from DNS or the ClientHello; "" if none */
	char state[16];
	double rx_rate, tx_rate;
	uint64_t rx_total, tx_total;
	unsigned nsub;		/* its peer rows follow it */
};

struct tui_irow {
	struct ifstat s;
	double rx_rate, tx_rate;
};

/* Scroll state of one tab. */
struct tui_list {
	int sel, top;
	uint64_t sel_key;
};

struct tui {
	const struct tui_opts *o;
	struct tui_feed *feed;
	bool color, utf8, paused, help, show_cmdline, quit;
	enum tui_tab tab;
	enum tui_sort sort;
	bool reverse;
	char filter[64];
	bool editing;
	char edit[64];
	/* Enter on a process: the Connections tab shows only it. */
	bool focus;
	bool focus_group;	/* focus_serial is a --group key's hash, not a process */
	uint64_t focus_serial;
	char focus_name[96];
	struct tui_list list[TAB_MAX];

	/* From the model, every refresh. */
	struct htab pstates;	/* serial -> tui_pstate */
	struct tui_prow *prows;	/* sorted, unknown's remotes after it */
	size_t nprows, cap_prows;
	struct tui_crow *crows;
	size_t ncrows, cap_crows;
	struct tui_irow *irows;
	size_t nirows;
	struct ifstat *if_prev;
	int nif_prev;
	double if_prev_at;
	/* Shown lines after filter and focus: indices into the row arrays. */
	size_t *pidx, npidx, *cidx, ncidx, *iidx, niidx;

	double rx_rate, tx_rate;	/* all processes, last interval */
	uint64_t rx_total, tx_total;	/* since start, exited and pruned processes included */
	struct {			/* what the screen shows: held while paused */
		double rx_rate, tx_rate;
		uint64_t rx_total, tx_total;
	} shown;
	size_t nprocs, nconns;
	double last_tick;
	uint64_t stat_lost, stat_overflow;
	struct htab users;	/* uid -> name */
	bool root_pidns;	/* /proc shows the kernel's pids: gone from /proc is gone */
};

/* tui_data.c: the model into rows. */
int tui_data_init(struct tui *t);
void tui_data_free(struct tui *t);
/* One refresh: rates over @elapsed seconds, exits, rows (unless paused); resets the interval. */
int tui_data_tick(struct tui *t, double now, double elapsed);
/* Sort, filter and focus again (after a key), keeping each tab's selection. */
void tui_data_select(struct tui *t);
/* After a key moved the selection: remember which row it is on. */
void tui_data_note_selection(struct tui *t);
const char *tui_sort_name(enum tui_tab tab, enum tui_sort s);
const char *tui_user_name(struct tui *t, uint32_t uid);

/* The remote end as the tables print it: its name when one is known (@name may be NULL). */
void tui_remote_label(char *buf, size_t size, const struct np_endpoint *e, const char *name,
		      bool with_port);

/* Drawing (tui_procs.c, tui_conns.c, tui_ifaces.c, tui_dns.c): the table's header on
 * line @y, its rows below, @h lines in all, @w columns. */
void tui_procs_draw(struct tui *t, int y, int h, int w);
void tui_conns_draw(struct tui *t, int y, int h, int w);
void tui_ifaces_draw(struct tui *t, int y, int h, int w);

/* tui_draw.c: shared cell drawing. */
void tui_cell(int y, int x, int width, bool right, const char *s);
void tui_rate_cell(struct tui *t, int y, int x, int width, double rate);
void tui_header_line(struct tui *t, int y, int w, const char *text);
/* The first row shown so that @sel is on screen in @h rows. */
void tui_scroll_fix(struct tui_list *l, size_t n, int h);
/* Attributes of a row: reverse when selected, dim when exited. */
int tui_row_attr(struct tui *t, bool selected, bool exited);

#endif

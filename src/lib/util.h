/* SPDX-License-Identifier: GPL-2.0-only */
/* Small helpers shared by every subcommand: errors, number parsing, time. */
#ifndef NETOPROC_UTIL_H
#define NETOPROC_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <stddef.h>

/* Exit codes, as the original netoproc documents them. */
enum np_exit {
	NP_EXIT_OK = 0,
	NP_EXIT_PRIVILEGE = 1,	/* a capability is missing */
	NP_EXIT_USAGE = 2,	/* bad arguments, or a capture/BPF error */
	NP_EXIT_FATAL = 4,
};

extern bool np_verbose;

/* One-line error on stderr, prefixed with "netoproc: ". */
void np_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only with -v. */
void np_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* A positive decimal number of seconds ("2", "0.5", "1e-1" is refused). */
int parse_seconds(const char *s, double *out);
/* The same for option --@name, with the one-line error: 0 or -EINVAL. */
int parse_seconds_opt(const char *s, const char *name, double *out);
/* getopt_long's ':' (a value missing) or '?' (unknown option) as one line: -EINVAL. */
int np_opt_error(int c, char **argv);
/* @arg as one of @names (@n of them) into @out; else "invalid value" for --@opt and -EINVAL. */
int np_pick(const char *arg, const char *opt, const char *const *names, int n, int *out);

/* Set by SIGINT/SIGTERM once np_catch_stop_signals() ran: commands end cleanly. */
extern volatile sig_atomic_t np_stop_requested;
void np_catch_stop_signals(void);

/*
 * The decimal digits of @v written backwards ending at @end, at least
 * @min_digits of them (zeros in front); returns where they start. Numbers
 * without printf's format parsing, for writers of many of them.
 */
char *dec_digits_before(char *end, uint64_t v, int min_digits);
/*
 * Without printf, for records written by the ten thousand: the dotted quad
 * of @a at @p (no NUL; returns the end), and "0x" and @v's hex digits into
 * @buf (NUL-terminated; returns @buf).
 */
char *put_ipv4(char *p, const uint8_t a[4]);
const char *hex_u64_str(char buf[19], uint64_t v);

double now_monotonic(void);
double now_realtime(void);

/* Read a whole small file into buf (NUL-terminated); returns bytes read or -errno. */
ssize_t read_small_file(const char *path, char *buf, size_t size);

#endif

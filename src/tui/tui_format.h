/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the terminal UI prints in a cell: amounts and rates in 1024-based
 * units (bits in 1000-based ones), rate heat, and a sparkline of a rate's
 * history. Pure functions of their arguments, so unit tests hold them.
 */
#ifndef NETOPROC_TUI_FORMAT_H
#define NETOPROC_TUI_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tui_units { TUI_UNITS_BYTES, TUI_UNITS_BITS };

/* "0 B", "1023 B", "1.0 KiB", "1.5 MiB" (always one decimal from KiB on). */
void tui_fmt_bytes(char *buf, size_t size, uint64_t bytes);
/* Bytes/s as "0 B/s", "100.4 KiB/s"; in bits (--units bits): "803 bit/s", "1.2 Mbit/s". */
void tui_fmt_rate(char *buf, size_t size, double bytes_per_s, enum tui_units u);

/* How hot a rate is: 0 idle, 1 under 10 KiB/s, 2 under 1 MiB/s, 3 at or above. */
int tui_heat(double bytes_per_s);

/*
 * @n samples (oldest first) as @width cells, newest on the right: each cell the
 * largest sample it covers, scaled to the largest of all into eight levels
 * (zero is a blank, anything above zero at least the lowest level). UTF-8 block
 * characters, or ASCII ".,:-=+*#" where the terminal has no UTF-8. Returns the
 * number of cells written (@width), or -1 if @size is too small.
 */
int tui_sparkline(char *buf, size_t size, const float *samples, int n, int width, bool utf8);

/*
 * Copy @s into @buf cut to @width display cells (ASCII assumed), with a trailing
 * '~' where it was cut. Returns buf.
 */
char *tui_fit(char *buf, size_t size, const char *s, int width);

#endif

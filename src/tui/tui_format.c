// SPDX-License-Identifier: GPL-2.0-only
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "tui/tui_format.h"

void tui_fmt_bytes(char *buf, size_t size, uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = bytes;
	int u = 0;

	if (bytes < 1024) {
		snprintf(buf, size, "%" PRIu64 " B", bytes);
		return;
	}
	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	/* 1023.96 KiB would print as "1024.0 KiB": show it as the next unit. */
	if (v >= 1023.95 && u < 6) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, "%.1f %s", v, units[u]);
}

void tui_fmt_rate(char *buf, size_t size, double bytes_per_s, enum tui_units u)
{
	static const char *const bits[] = { "bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s" };
	double v;
	int i = 0;

	if (bytes_per_s < 0)
		bytes_per_s = 0;
	if (u == TUI_UNITS_BYTES) {
		char b[32];

		tui_fmt_bytes(b, sizeof(b), (uint64_t)(bytes_per_s + 0.5));
		snprintf(buf, size, "%s/s", b);
		return;
	}
	/* Bits the way links are rated: 1000-based. */
	v = bytes_per_s * 8;
	if (v < 999.5) {
		snprintf(buf, size, "%.0f bit/s", v);
		return;
	}
	while (v >= 999.95 && i < 4) {
		v /= 1000;
		i++;
	}
	snprintf(buf, size, "%.1f %s", v, bits[i]);
}

int tui_heat(double bytes_per_s)
{
	if (bytes_per_s < 0.5)
		return 0;
	if (bytes_per_s < 10 * 1024)
		return 1;
	if (bytes_per_s < 1024 * 1024)
		return 2;
	return 3;
}

int tui_sparkline(char *buf, size_t size, const float *samples, int n, int width, bool utf8)
{
	static const char *const blocks[] = { "\u2581", "\u2582", "\u2583", "\u2584",
					      "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii[] = ".,:-=+*#";
	size_t cell = utf8 ? 3 : 1, pos = 0;
	float max = 0;
	int shown = n < width ? n : width;

	if (width < 0 || size < (size_t)width * cell + 1)
		return -1;
	for (int i = 0; i < n; i++)
		if (samples[i] > max)
			max = samples[i];
	/* Fewer samples than cells: blanks on the left, newest on the right. */
	for (int c = 0; c < width - shown; c++)
		buf[pos++] = ' ';
	for (int c = 0; c < shown; c++) {
		/* Cell c covers samples [c*n/shown, (c+1)*n/shown). */
		int from = (int)((long)c * n / shown), to = (int)((long)(c + 1) * n / shown);
		float v = 0;
		int level;

		for (int i = from; i < to; i++)
			if (samples[i] > v)
				v = samples[i];
		if (v <= 0 || max <= 0) {
			buf[pos++] = ' ';
			continue;
		}
		level = (int)(v / max * 8 + 0.999f) - 1;
		if (level < 0)
			level = 0;
		if (level > 7)
			level = 7;
		if (utf8) {
			memcpy(buf + pos, blocks[level], 3);
			pos += 3;
		} else {
			buf[pos++] = ascii[level];
		}
	}
	buf[pos] = '\0';
	return width;
}

char *tui_fit(char *buf, size_t size, const char *s, int width)
{
	size_t len = strlen(s);

	if (width < 0)
		width = 0;
	if ((size_t)width + 1 > size)
		width = (int)size - 1;
	if (len <= (size_t)width) {
		memcpy(buf, s, len + 1);
		return buf;
	}
	if (width == 0) {
		buf[0] = '\0';
		return buf;
	}
	memcpy(buf, s, width - 1);
	buf[width - 1] = '~';
	buf[width] = '\0';
	return buf;
}

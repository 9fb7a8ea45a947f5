#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Remove what scripts/install.sh installed (`make uninstall`): the binary, the man
# pages, the completion and the systemd unit. Same PREFIX, DESTDIR and directory
# overrides as install.sh. Directories are left, except those now empty that
# install.sh made under DESTDIR (a staging root).
set -eu

prefix=${PREFIX:-/usr/local}
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/scripts/install-dirs.sh"

rm -f "${DESTDIR:-}$prefix/bin/netoproc"
for page in "$src"/docs/*.8; do
	rm -f "$mandir/$(basename "$page")"
done
rm -f "$bashcompdir/netoproc" "$zshcompdir/_netoproc" "$unitdir/netoproc-export.service"
rm -f "$datadir/diagnose.rules"
rmdir "$datadir" 2>/dev/null || true
if [ -n "${DESTDIR:-}" ]; then
	for d in "${DESTDIR}$prefix/bin" "$mandir" "$datadir" "$bashcompdir" "$zshcompdir" "$unitdir"; do
		# Each directory and its parents up to DESTDIR, while empty.
		while [ "$d" != "$DESTDIR" ] && [ "${d#"$DESTDIR"}" != "$d" ] &&
		      rmdir "$d" 2>/dev/null; do
			d=$(dirname "$d")
		done
	done
fi
echo "removed netoproc from ${DESTDIR:-}$prefix"

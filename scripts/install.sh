#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Install netoproc with the file capabilities of its permission model, so that
# it runs without root, and with it the man pages, bash and zsh completion and
# the exporter's systemd unit (`make install` calls this with the built binary;
# scripts/uninstall.sh removes the same files).
#
#   scripts/install.sh BINARY
#   PREFIX=/usr/local   where bin/netoproc goes, and share/man/man8/netoproc*.8,
#                       share/bash-completion/completions/netoproc,
#                       share/zsh/site-functions/_netoproc,
#                       lib/systemd/system/netoproc-export.service,
#                       share/netoproc/diagnose.rules (DATADIR overrides)
#   MANDIR, BASHCOMPDIR, ZSHCOMPDIR, UNITDIR   override those directories
#   DESTDIR=            staging root (packages); capabilities are still set
#   NETOPROC_GROUP=     if set, only this group may run it (mode 0750)
#   NETOPROC_PROC_CAPS=1  also CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH: in AF_PACKET
#                       mode, other users' sockets are found in their /proc/PID/fd.
#                       These let any user who can run netoproc read any process's
#                       fd table: use with NETOPROC_GROUP.
#
# Capability sets, chosen by what the running kernel knows (not its version):
#   CAP_BPF exists (5.8+): cap_bpf,cap_perfmon,cap_net_admin,cap_net_raw
#   otherwise:             cap_sys_admin,cap_net_admin,cap_net_raw
# cap_net_raw is what AF_PACKET capture (the fallback mode) needs.
set -eu

die() { echo "install.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 BINARY"
bin=$1
[ -x "$bin" ] || die "$bin: not an executable (run make first)"
prefix=${PREFIX:-/usr/local}
dest=${DESTDIR:-}$prefix/bin/netoproc
command -v setcap >/dev/null 2>&1 || die "setcap not found (package libcap2-bin or libcap)"

# CAP_BPF is capability 39: the kernel knows it when cap_last_cap >= 39.
last=$(cat /proc/sys/kernel/cap_last_cap 2>/dev/null || echo 0)
if [ "$last" -ge 39 ]; then
	caps=cap_bpf,cap_perfmon,cap_net_admin,cap_net_raw
else
	caps=cap_sys_admin,cap_net_admin,cap_net_raw
fi
if [ "${NETOPROC_PROC_CAPS:-0}" = 1 ]; then
	caps=$caps,cap_sys_ptrace,cap_dac_read_search
fi

mode=0755
group=root
if [ -n "${NETOPROC_GROUP:-}" ]; then
	getent group "$NETOPROC_GROUP" >/dev/null || die "no group $NETOPROC_GROUP"
	mode=0750
	group=$NETOPROC_GROUP
fi

install -d "$(dirname "$dest")"
# A temporary name first: a running netoproc keeps working, and nobody sees a
# half-written binary or one without its capabilities.
tmp=$dest.tmp.$$
trap 'rm -f "$tmp"' EXIT
install -m "$mode" -o root -g "$group" "$bin" "$tmp"
setcap "$caps+ep" "$tmp" || die "setcap $caps+ep failed (filesystem without xattrs?)"
mv -f "$tmp" "$dest"
trap - EXIT
echo "installed $dest ($mode root:$group) with $caps"

# The rest, from the source tree this script is in.
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/scripts/install-dirs.sh"
install -d "$mandir" "$bashcompdir" "$zshcompdir" "$unitdir" "$datadir"
for page in "$src"/docs/*.8; do
	install -m 0644 "$page" "$mandir/"
done
# `netoproc diagnose` finds it here (the path is compiled in from the same PREFIX).
install -m 0644 "$src/support/diagnose.rules" "$datadir/diagnose.rules"
install -m 0644 "$src/completion/netoproc.bash" "$bashcompdir/netoproc"
install -m 0644 "$src/completion/_netoproc" "$zshcompdir/_netoproc"
# The unit runs the binary where it is installed, not where it is staged.
sed "s|@BINDIR@|$prefix/bin|g" "$src/support/netoproc-export.service.in" \
	>"$unitdir/netoproc-export.service"
chmod 0644 "$unitdir/netoproc-export.service"
echo "installed man pages in $mandir, completion in $bashcompdir and $zshcompdir," \
     "netoproc-export.service in $unitdir"

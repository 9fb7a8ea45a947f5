#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The kernel-matrix initramfs: busybox-static, the static netoproc, np_workload, np_dns and
# tests/kernels/vm-init.sh as /init. No modules: everything the tests need is built into
# Debian's cloud kernels.
#
#   build-initramfs.sh STATIC_DIR OUT   (STATIC_DIR from `make STATIC=1 OUTPUT=STATIC_DIR`)
set -euo pipefail

static=${1:-build-static}
out=${2:-build-vm/initramfs.cpio.gz}
here=$(cd "$(dirname "$0")" && pwd)
busybox=/bin/busybox

for f in "$static/netoproc" "$static/workloads/np_workload" "$static/workloads/np_dns" "$busybox"; do
	[ -x "$f" ] || { echo "build-initramfs: missing $f" >&2; exit 1; }
	if ! file -L "$f" | grep -q 'statically linked'; then
		echo "build-initramfs: $f is not statically linked (busybox-static, make STATIC=1)" >&2
		exit 1
	fi
done

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,etc}
cp "$busybox" "$root/bin/busybox"
for a in $("$busybox" --list); do
	[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
done
# Debug info is not needed in the VM; the BPF objects live in the skeletons' data.
strip --strip-debug -o "$root/bin/netoproc" "$static/netoproc"
strip --strip-debug -o "$root/bin/np_workload" "$static/workloads/np_workload"
strip --strip-debug -o "$root/bin/np_dns" "$static/workloads/np_dns"
install -m 0755 "$here/vm-init.sh" "$root/init"
# The monitor's scenarios as shell functions, from their one definition.
python3 "$here/../integration/scenarios.py" shell > "$root/scenarios.sh"
mknod -m 600 "$root/dev/console" c 5 1
echo "root:x:0:0:root:/:/bin/sh" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"

mkdir -p "$(dirname "$out")"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
echo "build-initramfs: $out ($(du -h "$out" | cut -f1))"

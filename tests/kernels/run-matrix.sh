#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The kernel matrix, end to end: static netoproc and np_workload, Debian's cloud kernels
# (downloaded once, cached in $KERNEL_CACHE), the initramfs, then one qemu VM per kernel
# running every attach tier's scenarios. Ends with "kernel-matrix: N passed, N failed".
#
#   tests/kernels/run-matrix.sh [run_matrix.py options, e.g. --series 6.1]
#
# STATIC_OUTPUT (build-static) and VM_OUTPUT (build-vm) are this script's own build
# directories, apart from the normal build/.
set -uo pipefail
cd "$(dirname "$0")/../.."
static=${STATIC_OUTPUT:-build-static}
vm=${VM_OUTPUT:-build-vm}
t0=$(date +%s)

fail() {
	echo "kernel-matrix: $*" >&2
	echo "kernel-matrix: 0 passed, 1 failed"
	exit 1
}

for tool in qemu-system-x86_64 cpio gzip dpkg-deb apt-get; do
	command -v $tool >/dev/null || fail "$tool missing (scripts/install-deps.sh)"
done
[ -x /bin/busybox ] && file -L /bin/busybox | grep -q 'statically linked' ||
	fail "busybox-static missing (scripts/install-deps.sh)"

make -s STATIC=1 OUTPUT="$static" "$static/netoproc" "$static/workloads/np_workload" \
	"$static/workloads/np_dns" ||
	fail "static build failed"
tests/kernels/fetch-kernels.sh || fail "fetching kernels failed"
tests/kernels/build-initramfs.sh "$static" "$vm/initramfs.cpio.gz" || fail "initramfs failed"
echo "kernel-matrix: prepared in $(($(date +%s) - t0)) s"
NP_MATRIX_T0=$t0 exec python3 tests/kernels/run_matrix.py --initramfs "$vm/initramfs.cpio.gz" \
	--logs "$vm/logs" "$@"

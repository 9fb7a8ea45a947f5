#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Per-invocation cost of the fentry and kprobe tiers, which this machine cannot
# load: boots a Debian kernel (default 6.1) under qemu with netoproc and the
# empty programs of bench/empty.bpf.c on the same hooks, runs TCP and UDP
# traffic, and prints each program's mean ns per run beside its empty twin.
# Software emulation (TCG) inflates every figure: compare ratios, not ns.
set -euo pipefail
cd "$(dirname "$0")/.."
SERIES=${SERIES:-6.1}
OUT=build-static
B=build-vm/bench
mkdir -p "$B/root/bin" "$B/root/proc" "$B/root/sys" "$B/root/dev" "$B/root/tmp"

tests/kernels/fetch-kernels.sh >/dev/null
make -s STATIC=1 OUTPUT=$OUT $OUT/netoproc $OUT/workloads/np_workload
clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I$OUT -c bench/empty.bpf.c -o "$B/empty.bpf.o"
bpftool gen skeleton "$B/empty.bpf.o" > "$B/empty.skel.h"
gcc -static -O2 -I"$B" bench/empty_loader.c -lbpf -lelf -lz -o "$B/root/bin/empty_loader"
gcc -static -O2 bench/progstats.c -lbpf -lelf -lz -o "$B/root/bin/progstats"
cp $OUT/netoproc $OUT/workloads/np_workload "$B/root/bin/"
cp "$(command -v busybox)" "$B/root/bin/"
for a in sh mount mkdir echo cat sleep ip kill ls grep poweroff head tail wc sysctl; do
	ln -sf busybox "$B/root/bin/$a"
done
install -m 755 bench/tiers-vm-init.sh "$B/root/init"
(cd "$B/root" && find . | cpio -o -H newc 2>/dev/null | gzip) > "$B/init.cpio.gz"
timeout 600 qemu-system-x86_64 -nographic -m 1024 -smp 2 -cpu qemu64,-cx16 -no-reboot \
	-kernel /var/cache/netoproc/kernels/$SERIES/vmlinuz -initrd "$B/init.cpio.gz" \
	-append "console=ttyS0 quiet panic=-1" > "$B/serial.log" 2>&1 || true
python3 - "$B/serial.log" <<'PY'
import sys
# Program names are cut to 15 characters by the kernel: pair them by prefix.
pairs = {
    "fentry": [("count_ingress", "empty_ingress"), ("count_egress", "empty_egress"),
               ("fexit_tcp_sendm", "empty_fexit_tcp"), ("fexit_udp_sendm", "empty_fexit_udp")],
    "kprobe": [("count_ingress", "empty_ingress"), ("count_egress", "empty_egress"),
               ("kp_tcp_sendmsg", "empty_kp_tcp_se"), ("krp_tcp_sendmsg", "empty_krp_tcp_s"),
               ("kp_tcp_cleanup_", "empty_kp_tcp_cl"), ("kp_udp_sendmsg", "empty_kp_udp_se"),
               ("kp_skb_consume_", "empty_kp_skb_co")],
}
tier, stats = None, {}
for line in open(sys.argv[1], errors="replace"):
    line = line.strip()
    if "@@ STATS" in line:	# the console may prefix escape sequences
        tier = line[line.index("@@ STATS"):].split()[2]
        stats[tier] = {}
    elif tier and len(line.split()) == 3:
        name, runs, ns = line.split()
        stats[tier].setdefault(name, []).append((int(runs), float(ns)))
for tier, rows in pairs.items():
    print(f"{tier} tier (per-invocation ns under TCG, first match of each name):")
    for prog, empty in rows:
        p, e = stats.get(tier, {}).get(prog), stats.get(tier, {}).get(empty)
        if not p or not e:
            print(f"  {prog:<16} missing")
            continue
        print(f"  {prog:<16} {p[0][1]:>8.1f} ns  empty {e[0][1]:>7.1f} ns  ratio {p[0][1] / e[0][1]:.2f}")
PY

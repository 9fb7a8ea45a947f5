#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench`: loopback iperf3 throughput with and without netoproc, alternated,
# and each BPF program's mean ns per invocation (kernel bpf_stats) beside an
# empty program on the same hooks. Not part of the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUTPUT:-build}
ROUNDS=${ROUNDS:-4}
SECS=${SECS:-5}
B=$OUT/bench
mkdir -p "$B"

# The empty baseline programs and their loader.
clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$OUT" -c bench/empty.bpf.c -o "$B/empty.bpf.o"
bpftool gen skeleton "$B/empty.bpf.o" > "$B/empty.skel.h"
gcc -O2 -I"$B" bench/empty_loader.c -lbpf -lelf -lz -o "$B/empty_loader"

# shellcheck source=bench/lib.sh
. bench/lib.sh
start_iperf3_server

start_netoproc() {
	"$OUT/netoproc" --duration 100000 --format json -v >/dev/null 2>"$B/netoproc.err" &
	np_pid=$!
	pids+=($np_pid)
	for _ in $(seq 100); do grep -q "capture attached" "$B/netoproc.err" && return; sleep 0.1; done
	echo "bench: netoproc did not attach" >&2; exit 1
}

echo "throughput: $ROUNDS rounds of ${SECS}s each, without and with netoproc, alternated"
base=() with=()
for r in $(seq "$ROUNDS"); do
	base+=("$(gbps)")
	start_netoproc
	with+=("$(gbps)")
	kill -INT "$np_pid"; wait "$np_pid" 2>/dev/null || true
	echo "  round $r: without ${base[-1]} Gbit/s, with ${with[-1]} Gbit/s"
done
ratio "${base[*]}" "${with[*]}" 0.97

echo "per-invocation cost (bpf_stats), netoproc and empty programs attached together"
sysctl -q kernel.bpf_stats_enabled=1
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
start_netoproc
"$B/empty_loader" "$cg" > "$B/empty.out" &
pids+=($!)
for _ in $(seq 50); do grep -q attached "$B/empty.out" && break; sleep 0.1; done
gbps >/dev/null
# Short transfers too, so the close path runs.
for _ in $(seq 200); do iperf3 -c 127.0.0.1 -p 5299 -n 64K >/dev/null 2>&1 || true; done 2>/dev/null &
wait $! 2>/dev/null || true
bpftool prog show -j | python3 -c '
import json, sys
progs = {p.get("name"): p for p in json.load(sys.stdin)}
def ns(name):
    p = progs.get(name)
    if not p or not p.get("run_cnt"):
        return None, 0
    return p["run_time_ns"] / p["run_cnt"], p["run_cnt"]
pairs = [("count_ingress", "empty_ingress"), ("count_egress", "empty_egress"),
         ("on_send", "empty_send"), ("on_recv", "empty_recv"),
         ("on_sock_create", None), ("on_sock_release", None)]
print("  %-16s %10s %8s %13s %6s" % ("program", "runs", "ns/run", "empty ns/run", "ratio"))
for prog, empty in pairs:
    n, c = ns(prog)
    e, _ = ns(empty) if empty else (None, 0)
    if n is None:
        print("  %-16s %10d %8s" % (prog, 0, "-"))
        continue
    ratio = f"{n / e:.2f}" if e else "-"
    es = f"{e:.1f}" if e else "-"
    print(f"  {prog:<16} {c:>10} {n:>8.1f} {es:>13} {ratio:>6}")
'

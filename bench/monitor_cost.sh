#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The eBPF monitor's cost on loopback (root; not part of make test):
#  1. each program's mean ns per invocation (kernel bpf_stats) beside empty
#     programs on the same hooks attached at the same time (bench/empty.bpf.c),
#     and the weighted ratio over the packet and payload programs (each pair
#     weighted by the monitor program's runs);
#  2. iperf3 throughput without and with the monitor, TP_ROUNDS rounds in a
#     shuffled order: the median of the rounds' ratios (bench/lib.sh).
# Only the programs our own netoproc and empty_loader hold are counted
# (bench/progstats PID...). Prints "ROW|..." lines for bench/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUTPUT:-build}
NP=${NETOPROC:-$OUT/netoproc}
TP_ROUNDS=${TP_ROUNDS:-10}
SECS=${SECS:-5}
B=$OUT/bench
mkdir -p "$B"

# The empty baseline programs and their loader.
clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$OUT" -c bench/empty.bpf.c -o "$B/empty.bpf.o"
bpftool gen skeleton "$B/empty.bpf.o" > "$B/empty.skel.h"
gcc -O2 -I"$B" bench/empty_loader.c -lbpf -lelf -lz -o "$B/empty_loader"
cc -O2 -Wall -o "$B/progstats" bench/progstats.c -lbpf

# shellcheck source=bench/lib.sh
. bench/lib.sh
start_iperf3_server

start_netoproc() {
	"$NP" --capture-mode ebpf --duration 100000 --format json -v >/dev/null 2>"$B/netoproc.err" &
	np_pid=$!
	pids+=($np_pid)
	for _ in $(seq 100); do grep -q "capture attached" "$B/netoproc.err" && return; sleep 0.1; done
	echo "bench: netoproc did not attach" >&2; exit 1
}

echo "1. per-invocation cost (bpf_stats), netoproc and empty programs attached together"
sysctl -q kernel.bpf_stats_enabled=1
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
start_netoproc
"$B/empty_loader" "$cg" > "$B/empty.out" &
el_pid=$!
pids+=($el_pid)
for _ in $(seq 50); do grep -q attached "$B/empty.out" && break; sleep 0.1; done
gbps >/dev/null
# Short transfers too, so socket creation and the close path run.
for _ in $(seq 200); do iperf3 -c 127.0.0.1 -p 5299 -n 64K >/dev/null 2>&1 || true; done
"$B/progstats" "$np_pid" "$el_pid" > "$B/progstats.out"
kill -INT "$np_pid" "$el_pid"
wait "$np_pid" "$el_pid" 2>/dev/null || true
sysctl -q kernel.bpf_stats_enabled="$old_stats"
python3 - "$B/progstats.out" <<'PY'
import sys
runs = {}
for line in open(sys.argv[1]):
    name, n, ns = line.split()
    runs[name] = (float(ns), int(n))
pairs = [("count_ingress", "empty_ingress"), ("count_egress", "empty_egress"),
         ("on_send", "empty_send"), ("on_recv", "empty_recv"),
         ("on_sock_create", "empty_create"), ("on_sock_release", "empty_release")]
print("  %-16s %10s %8s %13s %6s" % ("program", "runs", "ns/run", "empty ns/run", "ratio"))
tw = te = 0
for prog, empty in pairs:
    if prog not in runs or empty not in runs:
        print(f"  {prog:<16} {'-':>10}")
        continue
    (n, c), (e, _) = runs[prog], runs[empty]
    print(f"  {prog:<16} {c:>10} {n:>8.1f} {e:>13.1f} {n / e:>6.2f}")
    if prog.startswith(("count_", "on_send", "on_recv")):
        tw += n * c
        te += e * c
if te:
    print(f"ROW|eBPF monitor, weighted per-invocation cost (packet and payload programs)|"
          f"{tw / te:.2f}x empty|empty programs|{tw / te:.2f}|<= 1.25")
for prog, empty, target in (("on_sock_create", "empty_create", 1000),
                            ("on_sock_release", "empty_release", 500)):
    if prog in runs and empty in runs:
        n, e = runs[prog][0], runs[empty][0]
        print(f"ROW|{prog}, ns per run|{n:.0f} ns|{e:.0f} ns (empty)|{n / e:.2f}|<= {target} ns")
PY

# The throughput rounds: shorter runs, more of them (see shuffled_rounds in lib.sh).
SECS=${TP_SECS:-2}
run_config() { start_netoproc; }
stop_config() { kill -INT "$np_pid"; wait "$np_pid" 2>/dev/null || true; }
echo "2. throughput: $TP_ROUNDS rounds of ${SECS}s, without and with netoproc in a shuffled" \
     "order, each run after 1 s of quiet"
shuffled_rounds "$TP_ROUNDS" monitor
read -r med q1 q3 with none <<<"$(round_ratio "$TP_ROUNDS" monitor)"
echo "  median of the rounds' ratios $med (quartiles $q1-$q3)"
echo "ROW|eBPF monitor, loopback iperf3 throughput (median of $TP_ROUNDS rounds' ratios)|$with" \
     "Gbit/s|$none Gbit/s (none)|$med|>= 0.99"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The eBPF monitor's cost on loopback (root; not part of make test):
#  1. each program's mean ns per invocation (kernel bpf_stats) beside empty
#     programs on the same hooks attached at the same time (bench/empty.bpf.c),
#     and the weighted ratio over the packet and payload programs (each pair
#     weighted by the monitor program's runs); the same for the floor (the
#     least an exact per-socket counter does), in alternated rounds, medians;
#  2. socket creation and release at a busy client's rate (bench/sock_churn:
#     CHURN sockets in a loop, each sending one datagram), netoproc's and the
#     floor's programs beside empty ones, the same rounds, medians;
#  3. iperf3 throughput without and with the monitor, and with the floor's
#     programs alone, TP_ROUNDS rounds in a shuffled order: the median of the
#     rounds' ratios (bench/lib.sh).
# Only the programs our own netoproc and empty_loader hold are counted
# (bench/progstats PID...). Prints "ROW|..." lines for bench/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUTPUT:-build}
NP=${NETOPROC:-$OUT/netoproc}
TP_ROUNDS=${TP_ROUNDS:-10}
COST_ROUNDS=${COST_ROUNDS:-3}
SECS=${SECS:-5}
CHURN=${CHURN:-100000}
B=$OUT/bench
mkdir -p "$B"

# The empty baseline programs and their loader.
clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$OUT" -c bench/empty.bpf.c -o "$B/empty.bpf.o"
bpftool gen skeleton "$B/empty.bpf.o" > "$B/empty.skel.h"
gcc -O2 -I"$B" bench/empty_loader.c -lbpf -lelf -lz -o "$B/empty_loader"
cc -O2 -Wall -o "$B/progstats" bench/progstats.c -lbpf
cc -O2 -Wall -o "$B/sock_churn" bench/sock_churn.c

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

# One round of per-invocation figures: netoproc's programs, or the floor's (the least an
# exact per-socket counter does, bench/empty.bpf.c), beside the empty programs, on the
# same traffic: one iperf3 run, then short transfers so socket creation and close run.
# Never the floor beside netoproc: whichever program first gives a socket sk storage
# pays for the storage itself.
cost_round() {	# monitor|floor OUTFILE CHURNFILE
	local held=() floor=()
	sysctl -q kernel.bpf_stats_enabled=1
	if [ "$1" = monitor ]; then
		start_netoproc
		held=("$np_pid")
	else
		floor=(tracepoint floor)
	fi
	start_loader "$B/empty.out" "$B/empty_loader" "$cg" "${floor[@]}"
	el_pid=$ld
	gbps >/dev/null
	for _ in $(seq 200); do iperf3 -c 127.0.0.1 -p 5299 -n 64K >/dev/null 2>&1 || true; done
	"$B/progstats" "${held[@]}" "$el_pid" > "$2"
	# The churn's figures are what its runs add to those counts.
	"$B/sock_churn" "$CHURN" 5297 >/dev/null
	"$B/progstats" "${held[@]}" "$el_pid" > "$3"
	kill -INT "${held[@]}" "$el_pid"
	wait "${held[@]}" "$el_pid" 2>/dev/null || true
	sysctl -q kernel.bpf_stats_enabled="$old_stats"
}

echo "1. per-invocation cost (bpf_stats): $COST_ROUNDS rounds, each netoproc then the floor," \
     "each beside the empty programs"
cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
for r in $(seq "$COST_ROUNDS"); do
	cost_round monitor "$B/cost-monitor-$r.out" "$B/churn-monitor-$r.out"
	cost_round floor "$B/cost-floor-$r.out" "$B/churn-floor-$r.out"
done
python3 bench/cost_rows.py $(for r in $(seq "$COST_ROUNDS"); do echo "$B/cost-monitor-$r.out"; done) \
	-- $(for r in $(seq "$COST_ROUNDS"); do echo "$B/cost-floor-$r.out"; done)
echo "2. socket churn: $CHURN UDP sockets in a loop, each sending one datagram"
python3 bench/cost_rows.py --churn "$CHURN" \
	$(for r in $(seq "$COST_ROUNDS"); do echo "$B/cost-monitor-$r.out $B/churn-monitor-$r.out"; done) \
	-- $(for r in $(seq "$COST_ROUNDS"); do echo "$B/cost-floor-$r.out $B/churn-floor-$r.out"; done)

# The throughput rounds: shorter runs, more of them (see shuffled_rounds in lib.sh).
SECS=${TP_SECS:-2}
run_config() {
	if [ "$1" = monitor ]; then
		start_netoproc
		return
	fi
	start_loader "$B/empty.out" "$B/empty_loader" "$cg" tracepoint floor-only
	np_pid=$ld
}
stop_config() { kill -INT "$np_pid"; wait "$np_pid" 2>/dev/null || true; }
echo "3. throughput: $TP_ROUNDS rounds of ${SECS}s, without, with netoproc and with the floor's" \
     "programs, in a shuffled order, each run after 1 s of quiet"
shuffled_rounds "$TP_ROUNDS" monitor floor
read -r med q1 q3 with none <<<"$(round_ratio "$TP_ROUNDS" monitor)"
echo "  netoproc: median of the rounds' ratios $med (quartiles $q1-$q3)"
echo "ROW|eBPF monitor, loopback iperf3 throughput (median of $TP_ROUNDS rounds' ratios)|$with" \
     "Gbit/s|$none Gbit/s (none)|$med|>= 0.99"
read -r med q1 q3 with none <<<"$(round_ratio "$TP_ROUNDS" floor)"
echo "  the floor: median of the rounds' ratios $med (quartiles $q1-$q3)"
echo "ROW|the floor's programs alone, loopback iperf3 throughput (median of $TP_ROUNDS rounds'" \
     "ratios)|$with Gbit/s|$none Gbit/s (none)|$med|reported"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# netoproc trace's cost, on loopback (root; not part of make test):
#  1. ns per program run (kernel bpf_stats, all trace programs together) under
#     iperf3 traffic, with a non-matching --netns, a non-matching pcap filter,
#     and a matching one, beside empty programs on the busy tracepoints; then,
#     in a run of its own, the floor of a content filter on those tracepoints
#     (bench/trace_floor.bpf.c) beside the same empty programs;
#  2. events per second delivered without loss: UDP datagrams at rising rates,
#     every one matching;
#  3. iperf3 throughput with `--probes standard` and a non-matching filter, as a
#     ratio to no tracing (rounds alternated).
#   bench/trace.sh            NETOPROC=path/to/netoproc bench/trace.sh (compare builds)
# Ends with "ROW|..." lines for bench/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUTPUT:-build}
NP=${NETOPROC:-$OUT/netoproc}
ROUNDS=${ROUNDS:-4}
SECS=${SECS:-5}
B=$OUT/bench
mkdir -p "$B"
cc -O2 -Wall -o "$B/udp_flood" bench/udp_flood.c
cc -O2 -Wall -o "$B/progstats" bench/progstats.c -lbpf
gcc -O2 -Wall bench/obj_loader.c -lbpf -o "$B/obj_loader"

# shellcheck source=bench/lib.sh
. bench/lib.sh
start_iperf3_server

start_trace() {	# ARGS...: trace in the background until stop_trace
	"$NP" trace -v --format json "$@" >/dev/null 2>"$B/trace.err" &
	tr_pid=$!
	pids+=($tr_pid)
	for _ in $(seq 100); do grep -q "capture attached" "$B/trace.err" && return; sleep 0.1; done
	echo "bench: netoproc trace did not attach: $(tail -3 "$B/trace.err")" >&2
	exit 1
}

stop_trace() {
	kill -INT "$tr_pid"
	wait "$tr_pid" 2>/dev/null || true
}

# Mean ns per run over the trace programs (np_cast_*, np_btf_*, np_raw_*), and the runs.
cost() {	# PID: over the programs that process holds
	"$B/progstats" "$1" | awk '$1 ~ /^np_(btf|raw|cast)_/ { t += $2 * $3; n += $2 }
		END { if (n) printf "%.1f ns/run over %d runs", t / n, n; else print "no runs" }'
}

matched() {	# events matched and lost, from trace's closing line
	sed -n 's/.*trace: \([0-9]*\) events matched, \([0-9]*\) lost.*/\1 \2/p' "$B/trace.err"
}

echo "1. cost per program run (bpf_stats), iperf3 loopback ${SECS}s, --probes standard"
echo "   (reference: empty tp_btf programs on the same busy tracepoints, same run)"
for v in floor empty; do
	clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$OUT" $([ $v = empty ] && echo -DFLOOR_EMPTY) \
		-c bench/trace_floor.bpf.c -o "$B/trace_$v.bpf.o"
done
per_run() {	# PID: mean ns per run over the floor_ programs it holds
	"$B/progstats" "$1" | awk '$1 ~ /^floor_/ { t += $2 * $3; n += $2 }
		END { if (n) printf "%.1f", t / n; else print 0 }'
}
ratio_of() { python3 -c "print(f'{$1 / max($2, 0.1):.2f}')"; }
sysctl -q kernel.bpf_stats_enabled=1
rows=()
for f in "--netns 1" "udp port 9" "tcp port 5299"; do
	# shellcheck disable=SC2086
	start_trace --probes standard $f
	start_loader "$B/empty.out" "$B/obj_loader" "$B/trace_empty.bpf.o"
	gbps >/dev/null
	c=$(cost "$tr_pid")
	e=$(per_run "$ld")
	kill "$ld"; wait "$ld" 2>/dev/null || true
	stop_trace
	if [ "$f" = "udp port 9" ]; then
		ns=${c%% ns/run*}
		rows+=("ROW|trace --probes standard, non-matching pcap filter, per run|$ns ns|$e ns (empty tp_btf, same tracepoints)|$(ratio_of "$ns" "$e")|<= 1.30")
	fi
	read -r m l <<<"$(matched)"
	printf "  %-16s %s (empty %s); %s events, %s lost\n" "$f" "$c" "$e" "$m" "$l"
done
# The floor in a run of its own: beside netoproc, whichever program reads a
# packet's lines first would pay for both.
start_loader "$B/floor.out" "$B/obj_loader" "$B/trace_floor.bpf.o"
fl=$ld
start_loader "$B/empty.out" "$B/obj_loader" "$B/trace_empty.bpf.o"
gbps >/dev/null
fc=$(per_run "$fl")
fe=$(per_run "$ld")
kill "$fl" "$ld"; wait "$fl" "$ld" 2>/dev/null || true
echo "  the floor of 'udp port 9' (header found, 64 bytes copied, tested): $fc ns/run (empty $fe)"
rows+=("ROW|the floor of a content filter: 'udp port 9' hand-written on the same tracepoints, per run|$fc ns|$fe ns (empty tp_btf, same tracepoints)|$(ratio_of "$fc" "$fe")|reported")
rows+=("ROW|trace's non-matching pcap filter over the floor's, per run|$ns ns|$fc ns (floor)|$(ratio_of "$ns" "$fc")|reported")
sysctl -q kernel.bpf_stats_enabled="$old_stats"

echo "2. events/s delivered, --probes basic 'udp port 5301', ${SECS}s per rate"
best=0 best_us=0
hz=$(getconf CLK_TCK)
for pps in 20000 50000 100000 200000 400000 1000000; do
	start_trace --probes basic udp port 5301
	"$B/udp_flood" sink 127.0.0.1 5301 $((SECS + 1)) >/dev/null &
	sink=$!
	pids+=($sink)
	t0=$(awk '{ print $14 + $15 }' "/proc/$tr_pid/stat")
	"$B/udp_flood" send 127.0.0.1 5301 "$SECS" 64 "$pps" >/dev/null
	wait "$sink" 2>/dev/null || true
	t1=$(awk '{ print $14 + $15 }' "/proc/$tr_pid/stat")
	stop_trace
	read -r m l <<<"$(matched)"
	# trace's own CPU (user+system) per event delivered: reading and writing it as JSON
	us=$(python3 -c "print(f'{($t1 - $t0) / $hz * 1e6 / max($m, 1):.2f}')")
	echo "  $pps datagrams/s: $((m / SECS)) events/s matched, $l lost; trace's CPU $us us per event"
	[ "$l" = 0 ] && [ $((m / SECS)) -gt "$best" ] && best=$((m / SECS)) && best_us=$us
done
rows+=("ROW|trace, events/s delivered without loss|$best/s|1000000/s|$(python3 -c "print(f'{$best / 1e6:.2f}')")|>= 1.00 (limit: the sender)")
rows+=("ROW|trace's CPU per JSON event, at that rate|$best_us us|-|-|reported")

echo "3. throughput, $ROUNDS rounds of ${SECS}s, without and with trace --probes standard 'udp port 9'"
base=() with=()
for r in $(seq "$ROUNDS"); do
	base+=("$(gbps)")
	start_trace --probes standard udp port 9
	with+=("$(gbps)")
	stop_trace
	echo "  round $r: without ${base[-1]} Gbit/s, with ${with[-1]} Gbit/s"
done
ratio "${base[*]}" "${with[*]}"
printf '%s\n' "${rows[@]}"

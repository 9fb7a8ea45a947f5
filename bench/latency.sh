#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# netoproc latency's cost on loopback (root; not part of make test):
#  1. iperf3 throughput with the default stage set (every stage, no filter, so every
#     skb of the run is timed) as a ratio to no netoproc; the
#     issue's target is >= 0.9; and with --send-calls (syscall tracepoints: every system
#     call of the machine traced), reported. Loopback iperf3 on this 2-CPU VM moves by
#     +-20% from one run to the next, so: many short rounds, each a run of every
#     configuration in a shuffled order, and the median of the rounds' ratios;
#  2. ns per program run (kernel bpf_stats) over latency's programs during one run,
#     and the samples it took (the stages' counts) to show it did time the traffic.
#   bench/latency.sh            NETOPROC=path/to/netoproc bench/latency.sh
#   ROUNDS=6 SECS=5 bench/latency.sh
# Prints a "ROW|..." line for bench/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUTPUT:-build}
NP=${NETOPROC:-$OUT/netoproc}
ROUNDS=${ROUNDS:-10}
SECS=${SECS:-2}
B=$OUT/bench
mkdir -p "$B"
cc -O2 -Wall -o "$B/progstats" bench/progstats.c -lbpf

# shellcheck source=bench/lib.sh
. bench/lib.sh
start_iperf3_server

start_latency() {	# ARGS...: latency in the background until stop_latency
	"$NP" latency -v --format json "$@" >"$B/latency.out" 2>"$B/latency.err" &
	lat_pid=$!
	pids+=($lat_pid)
	for _ in $(seq 100); do grep -q "capture attached" "$B/latency.err" && return; sleep 0.1; done
	echo "bench: netoproc latency did not attach: $(tail -3 "$B/latency.err")" >&2
	exit 1
}

stop_latency() {
	kill -INT "$lat_pid"
	wait "$lat_pid" 2>/dev/null || true
}

run_config() {
	case $1 in
	default) start_latency ;;
	send-calls) start_latency --send-calls ;;
	esac
}
stop_config() { stop_latency; }

echo "1. iperf3 loopback throughput: $ROUNDS rounds of ${SECS}s; each round runs without" \
     "netoproc latency, with its default stages and with --send-calls (no filter), in a" \
     "shuffled order, each run after 1 s of quiet (the order and a pause moved runs by 5%)"
shuffled_rounds "$ROUNDS" default send-calls
for cfg in default send-calls; do
	read -r med q1 q3 with none <<<"$(round_ratio "$ROUNDS" "$cfg")"
	[ "$cfg" = default ] && what="default stages" target=">= 0.90" ||
		what="--send-calls" target="reported"
	echo "  $what: median of the rounds' ratios $med (quartiles $q1-$q3)"
	echo "ROW|netoproc latency ($what), loopback iperf3 throughput (median of $ROUNDS" \
	     "rounds' ratios)|$with Gbit/s|$none Gbit/s (none)|$med|$target"
done

echo "2. cost per program run (bpf_stats), one ${SECS}s iperf3 run"
sysctl -q kernel.bpf_stats_enabled=1
start_latency
gbps >/dev/null
"$B/progstats" "$lat_pid" | awk '$1 ~ /^lat_/ { t += $2 * $3; n += $2; printf "  %-34s %10d runs %8.1f ns\n", $1, $2, $3 }
	END { if (n) printf "  all: %.1f ns/run over %d runs\n", t / n, n }'
stop_latency
python3 - "$B/latency.out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
for r in rows:
    if r["scope"] == "total":
        print(f"  {r['stage']:16} {r['count']:10} samples  p50 {r['p50_us']:.1f} us  "
              f"p99 {r['p99_us']:.1f} us")
PY
grep "latency:" "$B/latency.err" | tail -1

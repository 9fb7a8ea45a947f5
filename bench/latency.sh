#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# netoproc latency's cost on loopback (root; not part of make test):
#  1. iperf3 throughput with the default stage set (every stage, no filter, so every
#     skb of the run is timed) as a ratio to no netoproc, rounds alternated; the
#     issue's target is >= 0.9. Loopback iperf3 on this 2-CPU VM moves by +-20% from
#     one run to the next (the host's memory bandwidth), so: many short rounds, each a
#     run without and one with, and the median of the rounds' ratios;
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

echo "1. iperf3 loopback throughput: $ROUNDS rounds of ${SECS}s, without and with" \
     "netoproc latency (default stages, no filter), alternated"
base=() with=()
for r in $(seq "$ROUNDS"); do
	base+=("$(gbps)")
	start_latency
	with+=("$(gbps)")
	stop_latency
	echo "  round $r: without ${base[-1]} Gbit/s, with ${with[-1]} Gbit/s"
done
ratio "${base[*]}" "${with[*]}" 0.9
python3 - "${base[*]}" "${with[*]}" <<'PY'
import statistics, sys
bs = [float(x) for x in sys.argv[1].split()]
ws = [float(x) for x in sys.argv[2].split()]
b, w = statistics.median(bs), statistics.median(ws)
r = statistics.median(y / x for x, y in zip(bs, ws))
print(f"  median of the rounds' ratios {r:.3f}")
print(f"ROW|netoproc latency (default stages), loopback iperf3 throughput (median of "
      f"{len(bs)} rounds' ratios)|{w:.2f} Gbit/s|{b:.2f} Gbit/s (none)|{r:.3f}|>= 0.90")
PY

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

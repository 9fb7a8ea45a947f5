#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The monitor's userspace cost beside 10,000 live sockets (root; not part of make test):
# bench/hold_sockets keeps PAIRS loopback TCP connections (2 x PAIRS sockets), each
# client writing BYTES a second; the monitor runs with a 1 s refresh (--interval 1,
# json records) in each capture mode. Measured after WARM seconds, over SECS seconds:
# CPU (user+system) as % of one core, and resident memory at the end.
# Prints "ROW|..." lines for bench/run.sh beside its own.
#   bench/sockets.sh [PAIRS] [SECS] [BYTES]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUTPUT:-build}
NP=${NETOPROC:-$OUT/netoproc}
pairs=${1:-5000}
secs=${2:-20}
bytes=${3:-100}
warm=${WARM:-5}
B=$OUT/bench
hz=$(getconf CLK_TCK)
mkdir -p "$B"
cc -O2 -Wall -o "$B/hold_sockets" bench/hold_sockets.c

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

"$B/hold_sockets" "$pairs" $((secs + warm + 30)) "$bytes" 5298 >"$B/hold.out" &
hold=$!
pids+=($hold)
for _ in $(seq 300); do grep -q ready "$B/hold.out" && break; sleep 0.1; done
grep -q ready "$B/hold.out" || { echo "sockets: $pairs connections did not come up" >&2; exit 1; }
live=$(ss -Htn state established '( sport = :5298 or dport = :5298 )' | wc -l)
echo "$live established loopback sockets of port 5298, each client writing $bytes B/s"

for mode in ebpf afpacket; do
	"$NP" --capture-mode "$mode" --duration $((secs + warm + 5)) --interval 1 --format json \
		>/dev/null 2>"$B/sockets-$mode.err" &
	np=$!
	pids+=($np)
	sleep "$warm"
	t0=$(cpu_ticks "$np")
	sleep "$secs"
	t1=$(cpu_ticks "$np")
	rss=$(rss_kib "$np")
	kill -INT "$np"
	wait "$np" 2>/dev/null || true
	cpu=$(python3 -c "print(f'{100 * ($t1 - $t0) / $hz / $secs:.2f}')")
	echo "  $mode: CPU $cpu% of one core, RSS $((rss / 1024)) MiB"
	echo "ROW|userspace CPU, 1 s refresh, $live sockets ($mode)|$cpu%|1%|$(python3 -c "print(f'{$cpu / 1:.2f}')")|<= 1.00"
	echo "ROW|resident memory, $live sockets ($mode)|$((rss / 1024)) MiB|-|-|reported"
done

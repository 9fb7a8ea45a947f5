#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The monitor's userspace cost beside 10,000 live sockets (root; not part of make test):
# bench/hold_sockets keeps PAIRS loopback TCP connections (2 x PAIRS sockets), each
# client writing BYTES a second; the monitor runs with a 1 s refresh (--interval 1,
# json records) in each capture mode. Measured after WARM seconds, over SECS seconds:
# CPU (user+system) as % of one core, and resident memory at the end. Then the walk
# floor of the eBPF dump, the same number of connections idle (both modes), and the eBPF
# monitor beside one unconnected UDP socket with 2 x PAIRS peers (bench/udp_peers).
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
cc -O2 -Wall -o "$B/udp_peers" bench/udp_peers.c

pids=()
cleanup() {
	[ -z "${pin:-}" ] || rm -f "$pin"
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# The monitor in MODE for SECS after WARM: sets cpu (% of one core) and rss_mib.
measure() {	# MODE ERRFILE
	"$NP" --capture-mode "$1" --duration $((secs + warm + 5)) --interval 1 --format json \
		>/dev/null 2>"$2" &
	np=$!
	pids+=($np)
	sleep "$warm"
	t0=$(cpu_ticks "$np")
	sleep "$secs"
	t1=$(cpu_ticks "$np")
	rss_mib=$(($(rss_kib "$np") / 1024))
	kill -INT "$np"
	wait "$np" 2>/dev/null || true
	cpu=$(python3 -c "print(f'{100 * ($t1 - $t0) / $hz / $secs:.2f}')")
}

# Start a population (CMD... printing "ready") in the background as $load.
populate() {	# OUTFILE CMD...
	local out=$1
	shift
	"$@" >"$out" &
	load=$!
	pids+=($load)
	for _ in $(seq 300); do grep -q ready "$out" && break; sleep 0.1; done
	grep -q ready "$out" || { echo "sockets: $* did not come up" >&2; exit 1; }
}

populate "$B/hold.out" "$B/hold_sockets" "$pairs" $((secs + warm + 30)) "$bytes" 5298
live=$(ss -Htn state established '( sport = :5298 or dport = :5298 )' | wc -l)
echo "$live established loopback sockets of port 5298, each client writing $bytes B/s"
for mode in ebpf afpacket; do
	measure "$mode" "$B/sockets-$mode.err"
	echo "  $mode: CPU $cpu% of one core, RSS $rss_mib MiB"
	echo "ROW|userspace CPU, 1 s refresh, $live sockets ($mode)|$cpu%|1%|$(python3 -c "print(f'{$cpu / 1:.2f}')")|<= 1.00"
	echo "ROW|resident memory, $live sockets ($mode)|$rss_mib MiB|-|-|reported"
done

# The kernel's share that no userspace work removes, where netoproc walks the TCP table
# (kernels refusing map-element iterators, this one among them: netoproc -v says which
# way it dumps): CPU per walk as % of a core at one walk a second, over WALKS walks after
# one untimed, by an iterator program that does nothing (the walk), and by one doing what
# any exact per-socket dump must (bench/walk_count.bpf.c: one sk storage lookup and a
# record of the monitor's size for each socket, read by userspace and dropped).
walk_cpu() {	# OBJ: prints the % of a core
	clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$OUT" -c "bench/$1.bpf.c" -o "$B/$1.bpf.o"
	bpftool iter pin "$B/$1.bpf.o" "$pin"
	python3 - "$pin" "${WALKS:-50}" <<'PY'
import os, sys
pin, n = sys.argv[1], int(sys.argv[2])
def walk():
    with open(pin, "rb") as f:
        return len(f.read())
walk()
t0 = os.times()
for _ in range(n):
    walk()
t1 = os.times()
cpu = (t1.user - t0.user) + (t1.system - t0.system)
print(f"{100 * cpu / n:.2f}")
PY
	rm -f "$pin"
}
pin=/sys/fs/bpf/netoproc-bench-walk-$$	# set here, where the exit trap sees it
walk=$(walk_cpu walk)
echo "  an empty iter/tcp walk of the TCP table: $walk% of one core at one walk a second"
echo "ROW|the floor of the eBPF dump by the TCP table: an empty iterator's walk, 1 s refresh, $live sockets|$walk%|-|-|reported"
walk=$(walk_cpu walk_count)
echo "  a walk finding each socket's counters and writing its record: $walk% of one core"
echo "ROW|the floor of an exact dump by the TCP table: the walk, one sk storage lookup and one record a socket, 1 s refresh, $live sockets|$walk%|1%|$(python3 -c "print(f'{$walk / 1:.2f}')")|reported"
kill "$load"
wait "$load" 2>/dev/null || true

# The same number of connections, idle (no client writes): long-lived quiet connections,
# where a refresh has nothing to report and costs only what finding that out does.
populate "$B/idle.out" "$B/hold_sockets" "$pairs" $((2 * (secs + warm) + 30)) 0 5296
idle=$(ss -Htn state established '( sport = :5296 or dport = :5296 )' | wc -l)
echo "$idle established loopback sockets of port 5296, idle"
for mode in ebpf afpacket; do
	measure "$mode" "$B/idle-$mode.err"
	echo "  $mode: CPU $cpu% of one core"
	echo "ROW|userspace CPU, 1 s refresh, $idle idle sockets ($mode)|$cpu%|-|-|reported"
done
kill "$load"
wait "$load" 2>/dev/null || true

# A UDP server with as many peers (a resolver's clients): the eBPF monitor reads its
# per-peer table at each refresh. AF_PACKET mode has no such table.
populate "$B/peers.out" "$B/udp_peers" "$((2 * pairs))" $((secs + warm + 30)) 5297
echo "$((2 * pairs)) UDP clients of one unconnected server socket, each sending 32 B/s"
measure ebpf "$B/peers-ebpf.err"
echo "  ebpf: CPU $cpu% of one core, RSS $rss_mib MiB"
echo "ROW|userspace CPU, 1 s refresh, $((2 * pairs)) UDP peers of one socket (ebpf)|$cpu%|1%|$(python3 -c "print(f'{$cpu / 1:.2f}')")|<= 1.00"

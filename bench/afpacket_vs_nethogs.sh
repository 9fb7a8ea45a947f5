#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# netoproc --capture-mode afpacket beside nethogs on the same traffic: small UDP
# datagrams at a fixed rate across a veth pair between two network namespaces
# this script creates (and deletes). Each monitor runs alone in namespace A,
# where the sink lives; the sender is in B. Reported per monitor: CPU used
# (user+system, % of one CPU) while the traffic flows, and how many of the
# sink's datagrams/bytes it attributed to the sink process. The sender is
# paced to PPS but stops short of it when the machine is saturated: compare
# CPU per packet (us/pkt) when the achieved rates differ. Ends with "ROW|..."
# lines for bench/run.sh.
#
#   bench/afpacket_vs_nethogs.sh [SECONDS] [PPS] [SIZE]     (root; not part of make test)
#   OUTPUT=build-afp bench/afpacket_vs_nethogs.sh 10 200000 32
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-10}
pps=${2:-200000}
size=${3:-32}
out=${OUTPUT:-build}
np=${NETOPROC:-$out/netoproc}
flood=$out/bench/udp_flood
hz=$(getconf CLK_TCK)
[ "$(id -u)" = 0 ] || { echo "needs root (namespaces, AF_PACKET)" >&2; exit 1; }
[ -x "$np" ] || { echo "$np: build netoproc first (make OUTPUT=$out)" >&2; exit 1; }
command -v nethogs >/dev/null || { echo "nethogs not installed (apt-get install nethogs)" >&2; exit 1; }
mkdir -p "$out/bench"
cc -O2 -Wall -o "$flood" bench/udp_flood.c

A=npbenchA-$$ B=npbenchB-$$ VA=npbva$$ VB=npbvb$$
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	ip netns del "$A" 2>/dev/null || true
	ip netns del "$B" 2>/dev/null || true
	[ -n "${KEEP:-}" ] && echo "kept $tmp" >&2 || rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$A"
ip netns add "$B"
ip link add "$VA" netns "$A" type veth peer name "$VB" netns "$B"
ip -n "$A" addr add 10.232.0.1/24 dev "$VA"
ip -n "$B" addr add 10.232.0.2/24 dev "$VB"
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" link set "$VA" up
ip -n "$B" link set "$VB" up
# nsenter execs the command: $! of "$inA cmd &" is the command's own pid.
inA="nsenter --net=/run/netns/$A --"
inB="nsenter --net=/run/netns/$B --"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

field() { python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readlines()[-1])[sys.argv[2]])' "$1" "$2"; }
pct() { python3 -c "import sys; print(f'{100 * float(sys.argv[1]) / max(float(sys.argv[2]), 1):.1f}')" "$@"; }
us_per() { python3 -c "import sys; print(f'{1e6 * float(sys.argv[1]) / $hz / max(float(sys.argv[2]), 1):.2f}')" "$@"; }

# run_traffic DIR MONITOR_PID: rx = sink in A, sender in B; tx = sender in A, sink in B.
# Prints the monitor's CPU ticks while the sender ran.
run_traffic() {
	local dir=$1 mon=$2 sink t0 t1 sink_ns=$inA send_ns=$inB dst=10.232.0.1
	if [ "$dir" = tx ]; then
		sink_ns=$inB send_ns=$inA dst=10.232.0.2
	fi
	$sink_ns "$flood" sink "$dst" 9999 $((secs + 2)) >"$tmp/sink" &
	sink=$!
	pids+=("$sink")
	sleep 0.5
	t0=$(cpu_ticks "$mon")
	$send_ns "$flood" send "$dst" 9999 "$secs" "$size" "$pps" >"$tmp/send"
	t1=$(cpu_ticks "$mon")
	wait "$sink"
	echo $((t1 - t0))
}

wire=$((size + 28))
rows=()
printf '%-4s %-20s %7s %8s %10s %10s %16s %12s\n' dir monitor "CPU%" "us/pkt" sent received \
	attributed "attributed%"
for dir in rx tx; do
	# The watched process: the sink (rx) or the sender (tx), both in namespace A.
	watched() { if [ "$dir" = rx ]; then field "$tmp/sink" pid; else field "$tmp/send" pid; fi; }
	moved() { if [ "$dir" = rx ]; then field "$tmp/sink" datagrams; else field "$tmp/send" datagrams; fi; }

	# ---- netoproc, AF_PACKET mode ----
	$inA "$np" --capture-mode afpacket --interface "$VA" --duration $((secs + 4)) --format json \
		-v >"$tmp/np.json" 2>"$tmp/np.err" &
	npid=$!
	pids+=("$npid")
	sleep 1
	np_ticks=$(run_traffic "$dir" "$npid")
	wait "$npid"
	np_moved=$(moved)
	np_attr=$(python3 -c '
import json, sys
rows = [p for p in json.load(open(sys.argv[1])) if p["pid"] == int(sys.argv[2])]
print(rows[0][sys.argv[3] + "_packets"] if rows else 0)' "$tmp/np.json" "$(watched)" "$dir")
	np_drops=$(sed -nE 's/.*afpacket: ([0-9]+) packets, ([0-9]+) kernel drops.*/\2/p' "$tmp/np.err")
	printf '%-4s %-20s %7s %8s %10s %10s %16s %12s\n' "$dir" "netoproc afpacket" \
		"$(pct "$np_ticks" $((secs * hz)))" "$(us_per "$np_ticks" "$np_moved")" \
		"$(field "$tmp/send" datagrams)" "$(field "$tmp/sink" datagrams)" \
		"$np_attr pkts" "$(pct "$np_attr" "$np_moved")"

	# ---- nethogs (libpcap + /proc), TCP and UDP (-C), trace mode, total bytes ----
	$inA nethogs -C -t -v 2 -d 1 "$VA" >"$tmp/nh.out" 2>"$tmp/nh.err" &
	hpid=$!
	pids+=("$hpid")
	sleep 2
	nh_ticks=$(run_traffic "$dir" "$hpid")
	sleep 1.5
	kill "$hpid" 2>/dev/null || true
	wait "$hpid" 2>/dev/null || true
	nh_moved=$(moved)
	# Last refresh block: "program/PID/UID<TAB>sent<TAB>received" (bytes with -v 2).
	col=3
	[ "$dir" = tx ] && col=2
	nh_attr=$(awk -v pid="$(watched)" -v col=$col -F'\t' '
		/^Refreshing:/ { got = 0 }
		{ n = split($1, parts, "/"); if (n >= 3 && parts[n - 1] == pid) got = $col }
		END { printf "%d\n", got }' "$tmp/nh.out")
	nh_unknown=$(awk -v col=$col -F'\t' '/^Refreshing:/ { u = 0 } /^unknown UDP/ { u = $col }
		END { printf "%d\n", u }' "$tmp/nh.out")
	printf '%-4s %-20s %7s %8s %10s %10s %16s %12s\n' "$dir" \
		"nethogs $(nethogs -V 2>&1 | awk '{print $NF}')" \
		"$(pct "$nh_ticks" $((secs * hz)))" "$(us_per "$nh_ticks" "$nh_moved")" \
		"$(field "$tmp/send" datagrams)" "$(field "$tmp/sink" datagrams)" \
		"$nh_attr B" "$(pct "$nh_attr" $((nh_moved * wire)))"
	echo "     netoproc kernel drops ${np_drops:-?}; nethogs 'unknown UDP' $nh_unknown B"
	np_us=$(us_per "$np_ticks" "$np_moved") nh_us=$(us_per "$nh_ticks" "$nh_moved")
	rows+=("ROW|AF_PACKET mode, CPU per packet ($dir, $size-byte UDP over veth), attributed $(pct "$np_attr" "$np_moved")%|$np_us us|$nh_us us (nethogs, attributed $(pct "$nh_attr" $((nh_moved * wire)))%)|$(python3 -c "print(f'{$np_us / max($nh_us, 0.001):.2f}')")|<= 1.00 at 100% attributed")
done
echo "traffic: $secs s of $size-byte UDP datagrams at up to $pps/s over veth (IP packet $wire bytes);"
echo "attributed = counted for the watched process (sink for rx, sender for tx) / what it moved"
printf '%s\n' "${rows[@]}"

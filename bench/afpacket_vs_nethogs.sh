#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# netoproc --capture-mode afpacket beside nethogs on the same traffic: small UDP
# datagrams at a fixed rate across a veth pair between two network namespaces
# this script creates (and deletes). Each monitor runs alone in namespace A,
# where the sink lives; the sender is in B. Reported per monitor: CPU used
# (user+system, % of one CPU) while the traffic flows, and how many of the
# sink's datagrams/bytes it attributed to the sink process. The sender is
# paced to PPS but stops short of it when the machine is saturated: compare
# CPU per packet (us/pkt) when the achieved rates differ.
#
#   bench/afpacket_vs_nethogs.sh [SECONDS] [PPS] [SIZE]     (root; not part of make test)
#   OUTPUT=build-afp bench/afpacket_vs_nethogs.sh 10 200000 32
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-10}
pps=${2:-200000}
size=${3:-32}
out=${OUTPUT:-build}
np=$out/netoproc
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

# run_traffic MONITOR_PID: sink in A, sender in B; prints "ticks sink_json send_json"
run_traffic() {
	local mon=$1 sink t0 t1
	$inA "$flood" sink 10.232.0.1 9999 $((secs + 2)) >"$tmp/sink" &
	sink=$!
	pids+=("$sink")
	sleep 0.5
	t0=$(cpu_ticks "$mon")
	$inB "$flood" send 10.232.0.1 9999 "$secs" "$size" "$pps" >"$tmp/send"
	t1=$(cpu_ticks "$mon")
	wait "$sink"
	echo $((t1 - t0)) "$sink"
}

field() { python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readlines()[-1])[sys.argv[2]])' "$1" "$2"; }

# ---- netoproc, AF_PACKET mode ----
$inA "$np" --capture-mode afpacket --interface "$VA" --duration $((secs + 4)) --format json -v \
	>"$tmp/np.json" 2>"$tmp/np.err" &
npid=$!
pids+=("$npid")
sleep 1
read -r np_ticks np_sink < <(run_traffic "$npid")
wait "$npid"
np_sent=$(field "$tmp/send" datagrams)
np_recv=$(field "$tmp/sink" datagrams)
np_attr=$(python3 -c '
import json, sys
rows = [p for p in json.load(open(sys.argv[1])) if p["pid"] == int(sys.argv[2])]
print(rows[0]["rx_packets"] if rows else 0, rows[0]["rx_bytes"] if rows else 0)' "$tmp/np.json" "$np_sink")
np_drops=$(sed -nE 's/.*afpacket: ([0-9]+) packets, ([0-9]+) kernel drops.*/\2/p' "$tmp/np.err")

# ---- nethogs (libpcap + /proc), TCP and UDP (-C), trace mode, total bytes ----
$inA nethogs -C -t -v 2 -d 1 "$VA" >"$tmp/nh.out" 2>"$tmp/nh.err" &
hpid=$!
pids+=("$hpid")
sleep 2
read -r nh_ticks nh_sink < <(run_traffic "$hpid")
sleep 1.5
kill "$hpid" 2>/dev/null || true
wait "$hpid" 2>/dev/null || true
nh_sent=$(field "$tmp/send" datagrams)
nh_recv=$(field "$tmp/sink" datagrams)
# Last refresh block: "program/PID/UID<TAB>sent<TAB>received" (bytes with -v 2).
nh_attr=$(awk -v pid="$nh_sink" -F'\t' '
	/^Refreshing:/ { got = 0 }
	{ n = split($1, parts, "/"); if (n >= 3 && parts[n - 1] == pid) got = $3 }
	END { printf "%d\n", got }' "$tmp/nh.out")

pct() { python3 -c "import sys; print(f'{100 * float(sys.argv[1]) / max(float(sys.argv[2]), 1):.1f}')" "$@"; }
wire=$((size + 28))
echo "traffic: $secs s of $size-byte UDP datagrams at $pps/s over veth (IP packet $wire bytes)"
us_per() { python3 -c "import sys; print(f'{1e6 * float(sys.argv[1]) / $hz / max(float(sys.argv[2]), 1):.2f}')" "$@"; }
printf '%-22s %7s %9s %10s %10s %14s %12s\n' monitor "CPU%" "us/pkt" sent received attributed \
	"attributed%"
printf '%-22s %7s %9s %10s %10s %14s %12s\n' "netoproc afpacket" \
	"$(pct "$np_ticks" $((secs * hz)))" "$(us_per "$np_ticks" "$np_recv")" "$np_sent" "$np_recv" \
	"${np_attr% *} pkts" "$(pct "${np_attr% *}" "$np_recv")"
printf '%-22s %7s %9s %10s %10s %14s %12s\n' "nethogs $(nethogs -V 2>&1 | awk '{print $NF}')" \
	"$(pct "$nh_ticks" $((secs * hz)))" "$(us_per "$nh_ticks" "$nh_recv")" "$nh_sent" "$nh_recv" \
	"$nh_attr B" "$(pct "$nh_attr" $((nh_recv * wire)))"
echo "netoproc kernel drops (PACKET_STATISTICS): ${np_drops:-?}; attributed bytes ${np_attr#* }" \
	"of $((np_recv * wire)) expected"
nh_unknown=$(awk -F'\t' '/^Refreshing:/ { u = 0 } /^unknown UDP/ { u = $3 } END { printf "%d\n", u }' "$tmp/nh.out")
echo "nethogs: bytes attributed to the sink process (received column, -v 2); its" \
	"'unknown UDP' row received $nh_unknown bytes"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench`: every cost netoproc is held to, in one run, each beside its
# reference (empty programs, nethogs, no tracing) as a ratio, and the target;
# where a target is not met, the floor of the job beside it (what any tool
# doing it exactly costs on the same hooks).
# The parts run one after another and can be run alone:
#   bench/monitor_cost.sh      eBPF monitor per invocation, socket churn, loopback throughput
#   bench/afpacket_vs_nethogs.sh   AF_PACKET mode beside nethogs, CPU per packet
#   bench/trace.sh             trace per run (and a content filter's floor), events/s, throughput
#   bench/latency.sh           netoproc latency's throughput ratio and ns per run
#   bench/sockets.sh           userspace CPU and memory beside 10,000 live sockets, the dump's floors
#   bench/startup.sh           start to first attached hook
# Each prints its own detail and "ROW|what|measured|reference|ratio|target"
# lines; the table of all of them ends the run and is kept in
# $OUTPUT/bench/table.md (the README's performance section quotes it).
# Figures are measurements of this machine at this moment: run it on a quiet one.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUTPUT:-build}
B=$OUT/bench
mkdir -p "$B"
log=$B/run.log
: > "$log"
failed=()
for part in monitor_cost.sh "afpacket_vs_nethogs.sh 10 100000 32" trace.sh latency.sh sockets.sh \
	startup.sh; do
	echo "== bench/$part" | tee -a "$log"
	# shellcheck disable=SC2086
	OUTPUT=$OUT bench/$part 2>&1 | tee -a "$log" | grep -v '^ROW|'
	st=("${PIPESTATUS[@]}")
	[ "${st[0]}" = 0 ] || failed+=("$part")
done
{
	echo "netoproc $(cat VERSION) bench, $(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(uname -r), $(nproc) CPUs"
	echo
	echo "| what | measured | reference | ratio | target |"
	echo "|---|---|---|---|---|"
	awk -F'|' '/^ROW\|/ { printf "| %s | %s | %s | %s | %s |\n", $2, $3, $4, $5, $6 }' "$log"
} > "$B/table.md"
echo
cat "$B/table.md"
if [ ${#failed[@]} -gt 0 ]; then
	echo "bench: parts that failed: ${failed[*]}" >&2
	exit 1
fi

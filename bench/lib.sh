# SPDX-License-Identifier: GPL-2.0-only
# What the loopback benchmarks share (sourced): background processes ended and
# bpf_stats restored at exit, an iperf3 server, one run's throughput, the ratio
# of alternated rounds (trace.sh) and the ratios of rounds run in a shuffled
# order (monitor_cost.sh, latency.sh). Expects SECS set.

pids=()
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	sysctl -q kernel.bpf_stats_enabled="$old_stats" || true
}
trap cleanup EXIT

start_iperf3_server() {
	iperf3 -s -p 5299 >/dev/null 2>&1 &
	pids+=($!)
	sleep 0.5
}

# start_loader OUTFILE CMD...: a program loader (empty_loader, obj_loader) in the
# background, its pid in $ld, once it says "attached"; the bench ends if it never does.
start_loader() {
	local out=$1
	shift
	"$@" >"$out" &
	ld=$!
	pids+=("$ld")
	for _ in $(seq 50); do grep -q attached "$out" && return; sleep 0.1; done
	echo "bench: $1 did not attach" >&2
	exit 1
}

gbps() {	# one iperf3 run, receiver Gbit/s
	iperf3 -c 127.0.0.1 -p 5299 -t "$SECS" -J 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9)'
}

ratio() {	# "WITHOUT..." "WITH..." [TARGET]: the means and their ratio
	python3 - "$1" "$2" "${3:-}" <<'PY'
import statistics, sys
b = [float(x) for x in sys.argv[1].split()]
w = [float(x) for x in sys.argv[2].split()]
target = f" (target >= {sys.argv[3]})" if sys.argv[3] else ""
print(f"  without {statistics.mean(b):.2f} Gbit/s, with {statistics.mean(w):.2f} Gbit/s, "
      f"ratio {statistics.mean(w) / statistics.mean(b):.3f}{target}")
PY
}

# Loopback iperf3 moves by +-20% between runs on a small VM, and a run after a
# pause or another run is biased by its place: each round runs every
# configuration once, in a shuffled order, each after 1 s of quiet; the figure
# is the median of the rounds' ratios to "none".
#   shuffled_rounds ROUNDS CONFIG... ; calls run_config CONFIG (start it, or
#   nothing for none) and stop_config CONFIG; fills rounds[ROUND,CONFIG] (Gbit/s).
declare -A rounds
shuffled_rounds() {
	local n=$1 r cfg
	shift
	for r in $(seq "$n"); do
		for cfg in $(printf '%s\n' none "$@" | shuf); do
			[ "$cfg" = none ] || run_config "$cfg"
			sleep 1
			rounds[$r,$cfg]=$(gbps)
			[ "$cfg" = none ] || stop_config "$cfg"
		done
		echo "  round $r: $(for cfg in none "$@"; do printf '%s %.2f  ' "$cfg" "${rounds[$r,$cfg]}"; done)Gbit/s"
	done
}

# round_ratio ROUNDS CONFIG: "MEDIAN_RATIO Q1 Q3 MEDIAN_WITH MEDIAN_NONE" of shuffled_rounds.
round_ratio() {
	python3 - "$1" "$2" "$(for k in "${!rounds[@]}"; do echo "$k=${rounds[$k]}"; done)" <<'PY'
import statistics, sys
n, cfg, got = int(sys.argv[1]), sys.argv[2], {}
for line in sys.argv[3].split():
    k, v = line.split("=")
    r, c = k.split(",")
    got[(int(r), c)] = float(v)
base = [got[(r, "none")] for r in range(1, n + 1)]
ws = [got[(r, cfg)] for r in range(1, n + 1)]
ratios = [w / b for b, w in zip(base, ws)]
q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3	# one round: no spread
print(f"{statistics.median(ratios):.3f} {q[0]:.3f} {q[2]:.3f} {statistics.median(ws):.2f} "
      f"{statistics.median(base):.2f}")
PY
}

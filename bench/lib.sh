# SPDX-License-Identifier: GPL-2.0-only
# What the loopback benchmarks share (sourced): background processes ended and
# bpf_stats restored at exit, an iperf3 server, one run's throughput and the
# with/without ratio of alternated rounds. Expects SECS set.

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

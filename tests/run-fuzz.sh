#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Run each libFuzzer harness (build/fuzz/fuzz_*) for RUNS inputs, starting from
# its committed corpus (tests/fuzz/corpus/NAME/, read only: what the run finds
# goes to build/fuzz/corpus-NAME/). One line per harness, then
# "fuzz: N passed, N failed". A harness fails on a crash, a sanitizer report,
# a leak or a timeout; its input is kept as build/fuzz/crash-NAME-*.
#   tests/run-fuzz.sh [RUNS]	(default 20000; `make fuzz` passes FUZZ_RUNS)
# FUZZ_JOBS=N runs the harnesses N at a time (each one process).
set -u
cd "$(dirname "$0")/.."
out=${OUTPUT:-build}
runs=${1:-20000}
jobs=${FUZZ_JOBS:-1}
passed=0 failed=0

# From libFuzzer's last "#N ... cov: C ft: F corp: U/Sb" line and its final
# stats (-print_final_stats=1): runs, seconds, execs/s, corpus, coverage.
# libFuzzer's own execs/s is 0 for a run under a second: timed here instead.
summary() {
	local log=$1 ns=$2 stats runs
	stats=$(grep -E '^#[0-9]+' "$log" | tail -1)
	runs=$(sed -nE 's/^stat::number_of_executed_units: ([0-9]+)/\1/p' "$log")
	echo "$runs runs in $(awk "BEGIN { printf \"%.1f\", $ns / 1e9 }") s," \
	     "$(awk "BEGIN { printf \"%d\", $runs / ($ns / 1e9) }") execs/s," \
	     "corpus $(echo "$stats" | sed -nE 's/.* corp: ([0-9]+).*/\1/p') inputs," \
	     "cov $(echo "$stats" | sed -nE 's/.* cov: ([0-9]+).*/\1/p')," \
	     "ft $(echo "$stats" | sed -nE 's/.* ft: ([0-9]+).*/\1/p')"
}

run_one() {	# harness binary; prints one line, returns its status
	local bin=$1 name log corpus rc t0 t1
	name=$(basename "$bin"); name=${name#fuzz_}
	log=$out/fuzz/$name.log
	corpus=$out/fuzz/corpus-$name
	mkdir -p "$corpus"
	t0=$(date +%s%N)
	"$bin" -runs="$runs" -max_len=4096 -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$out/fuzz/crash-$name-" "$corpus" "tests/fuzz/corpus/$name" \
		> "$log" 2>&1
	rc=$?
	t1=$(date +%s%N)
	if [ $rc -eq 0 ] && ! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log"; then
		echo "ok   fuzz_$name: $(summary "$log" $((t1 - t0)))"
		return 0
	fi
	echo "FAIL fuzz_$name: exit $rc, see $log"
	grep -E 'ERROR:|runtime error:|SUMMARY:|Test unit written' "$log" | head -5 | sed 's/^/  /'
	return 1
}

bins=("$out"/fuzz/fuzz_*)
if [ ! -x "${bins[0]}" ]; then
	echo "FAIL fuzz: no harness in $out/fuzz (make fuzz builds them)"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi
results=$(mktemp -d); trap 'rm -rf "$results"' EXIT
i=0
for bin in "${bins[@]}"; do
	[ -x "$bin" ] || continue
	( run_one "$bin" > "$results/$i.out"; echo $? > "$results/$i.rc" ) &
	i=$((i + 1))
	if [ $((i % jobs)) -eq 0 ]; then wait; fi
done
wait
for ((k = 0; k < i; k++)); do
	cat "$results/$k.out"
	if [ "$(cat "$results/$k.rc")" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

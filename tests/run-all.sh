#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Every test: unit tests, a short fuzzing run, then the integration tests (root,
# real BPF, own cgroups and network namespaces). Ends with one "N passed, N failed" line for all of them.
set -u
cd "$(dirname "$0")/.."
out=${OUTPUT:-build}
total_p=0 total_f=0

count() {	# add the "label: N passed, N failed" line of a suite's output
	local line p f
	line=$(grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
	if [ -z "$line" ]; then
		echo "$2: produced no result line"; total_f=$((total_f + 1)); return
	fi
	p=$(echo "$line" | sed -E 's/^[a-z-]+: ([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	total_p=$((total_p + p)); total_f=$((total_f + f))
}

log=$(mktemp); trap 'rm -f "$log" "$log.m"' EXIT
tests/run-unit.sh "$out"/tests/test_* | tee "$log"
count "$log" unit
# The parsers of hostile bytes under libFuzzer, briefly (make fuzz for long runs).
OUTPUT=$out tests/run-fuzz.sh 20000 | tee "$log"
count "$log" fuzz
OUTPUT=$out python3 tests/integration/run.py | tee "$log"
count "$log" integration
# Every attach tier on Debian's 5.10, 6.1 and 6.12 kernels under qemu. Software
# emulation on a loaded machine can stall a VM: a failed matrix runs once more,
# and both results are printed.
if ! tests/kernels/run-matrix.sh > "$log.m" 2>&1; then
	cat "$log.m"
	echo "kernel-matrix: first run failed; running it once more"
	tests/kernels/run-matrix.sh > "$log.m" 2>&1
fi
cat "$log.m"
count "$log.m" kernel-matrix
rm -f "$log.m"
echo
echo "all: $total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Run unit-test binaries; each prints "N passed, N failed" as its last line.
passed=0 failed=0
for t in "$@"; do
	out=$("$t" 2>&1)
	rc=$?
	echo "$out" | grep -v '^[0-9]* passed, [0-9]* failed$'
	line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
	if [ -z "$line" ] || [ $rc -gt 1 ]; then
		echo "FAIL $(basename "$t"): crashed (exit $rc)"
		failed=$((failed + 1))
		continue
	fi
	p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
	passed=$((passed + p)); failed=$((failed + f))
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

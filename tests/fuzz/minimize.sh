#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Minimize a harness's committed corpus with libFuzzer's -merge=1, keeping
# file names: first its seeds alone (into an empty directory: only those that
# add coverage stay, under their own names; found-* regressions always stay),
# then the finds of runs (build/fuzz/corpus-NAME/, named by SHA-1) merged in.
#   tests/fuzz/minimize.sh NAME	(after make fuzz-build; one fuzzer process)
# MERGE_FLAGS=-use_counters=0 takes only finds that add edges (not hit counts):
# fewer files.
set -eu
cd "$(dirname "$0")/../.."
name=$1
out=${OUTPUT:-build}
bin=$out/fuzz/fuzz_$name
dir=tests/fuzz/corpus/$name
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/min" "$tmp/named"
"$bin" -merge=1 -max_len=4096 "$tmp/min" "$dir" > "$tmp/log" 2>&1
# libFuzzer names what it keeps by the SHA-1 of its contents: the seeds' names back.
declare -A by_sha
for f in "$dir"/*; do
	by_sha[$(sha1sum < "$f" | cut -d' ' -f1)]=$(basename "$f")
done
for f in "$tmp/min"/*; do
	sha=$(basename "$f")
	cp "$f" "$tmp/named/${by_sha[$sha]:-$sha}"
done
cp "$dir"/found-* "$tmp/named/" 2>/dev/null || true
if [ -d "$out/fuzz/corpus-$name" ]; then
	"$bin" -merge=1 -max_len=4096 ${MERGE_FLAGS:-} "$tmp/named" "$out/fuzz/corpus-$name" \
		>> "$tmp/log" 2>&1
fi
rm -rf "$dir"
cp -r "$tmp/named" "$dir"
echo "$name: $(ls "$dir" | wc -l) files"

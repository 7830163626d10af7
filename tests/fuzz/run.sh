#!/bin/sh
# SPDX-License-Identifier: ISC
# Run each libFuzzer target for SECONDS and report its figures.
#   run.sh SECONDS smoke|long target...
# smoke: a fresh corpus from the seeds each time (build/fuzz/smoke/);
# long: a corpus kept across runs (build/fuzz/corpus/). The seeds in
# tests/fuzz/corpus/<target>/ are only read. A crash, a sanitizer report,
# a failed invariant (abort) or a hang (-timeout) fails the target; its
# input is left in build/fuzz/artifacts/.
secs=$1 mode=$2
shift 2
passed=0 failed=0
# A smaller quarantine than ASan's 256 MB: the machine is shared, and each
# input frees at most a few kB, so use-after-free is still caught.
ASAN_OPTIONS=quarantine_size_mb=32${ASAN_OPTIONS:+:$ASAN_OPTIONS}
export ASAN_OPTIONS
mkdir -p build/fuzz/artifacts build/fuzz/logs
for t in "$@"; do
	if [ "$mode" = smoke ]; then
		work=build/fuzz/smoke/$t
		rm -rf "$work"
	else
		work=build/fuzz/corpus/$t
	fi
	mkdir -p "$work"
	dict=""
	[ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
	log=build/fuzz/logs/$t-$mode.log
	# shellcheck disable=SC2086
	./build/fuzz/$t -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="build/fuzz/artifacts/$t-" $dict \
		"$work" "tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
	done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
	cov=$(echo "$done_line" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	corp=$(echo "$done_line" | sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p')
	if [ "$rc" -eq 0 ] && [ -n "$execs" ]; then
		echo "ok   fuzz $t: ${execs} executions in ${secs} s (${speed}/s), cov ${cov:-?}, corpus ${corp:-?}, peak rss ${rss:-?} MB"
		passed=$((passed + 1))
	else
		echo "FAIL fuzz $t: exit $rc after ${execs:-?} executions; log $log:"
		grep -E -A2 'invariant failed|ERROR|runtime error|Test unit written|^Base64' "$log" | head -n 30
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

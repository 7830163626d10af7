# SPDX-License-Identifier: ISC
# shellcheck shell=sh
# What the scripts in qemu/ share; each starts with
#   . "$(dirname "$0")/lib.sh"
# which sets TOP (the checkout) and OUT (build/qemu, for logs and
# results), sources the architecture table (arch.sh), and defines:
#   now                     seconds since the epoch, with nanoseconds
#   since T0                seconds since T0, one decimal
#   run_jobs N FUNC ARG...  FUNC ARG for each ARG in the background, at
#                           most N at a time; returns when all are done
#   tally PREFIX ARG...     each ARG's result line from
#                           $OUT/PREFIX<ARG>.result, then "N passed,
#                           N failed"; status 0 if all passed

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT="$TOP/build/qemu"
# shellcheck source=qemu/arch.sh
. "$TOP/qemu/arch.sh"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

running() {
	for _p in $1; do
		kill -0 "$_p" 2>/dev/null && echo x
	done | wc -l
}

run_jobs() {
	_max=$1 _func=$2 _pids=""
	shift 2
	for _arg in "$@"; do
		while [ "$(running "$_pids")" -ge "$_max" ]; do
			sleep 0.2
		done
		"$_func" "$_arg" &
		_pids="$_pids $!"
	done
	wait
}

tally() {
	_prefix=$1 _pass=0 _fail=0
	shift
	for _arg in "$@"; do
		_line=$(cat "$OUT/$_prefix$_arg.result" 2>/dev/null)
		[ -n "$_line" ] ||
		    _line="FAIL $_arg: no result (see build/qemu/$_prefix$_arg.log)"
		echo "$_line"
		case "$_line" in
		PASS*) _pass=$((_pass + 1)) ;;
		*) _fail=$((_fail + 1)) ;;
		esac
	done
	echo "$_pass passed, $_fail failed"
	[ "$_fail" -eq 0 ]
}

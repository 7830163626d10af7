# SPDX-License-Identifier: ISC
# The shared test harness of the docker/ tests, sourced by each: counts
# checks and ends with the line CI counts, "N passed, N failed".
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
# check DESCRIPTION COMMAND...: passes if the command succeeds.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
same() { [ "$1" = "$2" ] || { echo "     got:  $1"; echo "     want: $2"; return 1; }; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
}

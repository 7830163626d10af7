#!/bin/sh
# SPDX-License-Identifier: ISC
# user-test.sh ARCH...: each arch's static itest and echod under
# qemu-<arch>-static, invoked explicitly (no binfmt_misc): itest execs the
# host's qemu-<arch>-static with echod as its argument. -k: /proc/PID of
# the server is QEMU's, so those checks are skipped (SKIP lines).
# Prints "PASS <arch> <seconds>" or "FAIL <arch>: why" per arch, then
# "N passed, N failed". Logs: build/qemu/user-<arch>.log.
# Environment: QEMU_USER_FACTOR (itest -T, default 5), QEMU_JOBS (default 5: they mostly wait).
set -u
# shellcheck source=qemu/lib.sh
. "$(dirname "$0")/lib.sh"

FACTOR=${QEMU_USER_FACTOR:-5}
JOBS=${QEMU_JOBS:-5}
mkdir -p "$OUT"

one() {
	arch=$1 log="$OUT/user-$1.log" res="$OUT/user-$1.result"
	rm -f "$res"
	arch_vars "$arch" || { echo "FAIL $arch: unknown arch" >"$res"; return; }
	q=$(command -v "$QUSER") || {
		echo "FAIL $arch: $QUSER missing (make setup)" >"$res"
		return
	}
	t0=$(now)
	"$q" "$TOP/build/$arch/itest" -k -T "$FACTOR" -- \
	    "$q" "$TOP/build/$arch/echod" >"$log" 2>&1
	rc=$?
	t=$(since "$t0")
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ $rc -eq 0 ] && [ -n "$last" ]; then
		echo "PASS $arch $t ($last)" >"$res"
	else
		echo "FAIL $arch: exit $rc: $(grep -m 1 '^FAIL' "$log" || tail -n 1 "$log")${last:+ ($last)}" >"$res"
	fi
}

run_jobs "$JOBS" one "$@"
tally user- "$@"

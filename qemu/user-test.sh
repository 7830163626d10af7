#!/bin/sh
# user-test.sh ARCH...: each arch's static itest and echod under
# qemu-<arch>-static, invoked explicitly (no binfmt_misc): itest execs the
# host's qemu-<arch>-static with echod as its argument. -k: /proc/PID of
# the server is QEMU's, so those checks are skipped (SKIP lines).
# Prints "PASS <arch> <seconds>" or "FAIL <arch>: why" per arch, then
# "N passed, N failed". Logs: build/qemu/user-<arch>.log.
# Environment: QEMU_USER_FACTOR (itest -T, default 5), QEMU_JOBS (default 5: they mostly wait).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/qemu/arch.sh"

FACTOR=${QEMU_USER_FACTOR:-5}
JOBS=${QEMU_JOBS:-5}
OUT="$TOP/build/qemu"
mkdir -p "$OUT"

one() {
	arch=$1 log="$OUT/user-$1.log" res="$OUT/user-$1.result"
	rm -f "$res"
	arch_vars "$arch" || { echo "FAIL $arch: unknown arch" >"$res"; return; }
	q=$(command -v "$QUSER") || {
		echo "FAIL $arch: $QUSER missing (make setup)" >"$res"
		return
	}
	t0=$(date +%s.%N)
	"$q" "$TOP/build/$arch/itest" -k -T "$FACTOR" -- \
	    "$q" "$TOP/build/$arch/echod" >"$log" 2>&1
	rc=$?
	t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ $rc -eq 0 ] && [ -n "$last" ]; then
		echo "PASS $arch $t ($last)" >"$res"
	else
		echo "FAIL $arch: exit $rc: $(grep -m 1 '^FAIL' "$log" || tail -n 1 "$log")${last:+ ($last)}" >"$res"
	fi
}

pids=""
for a in "$@"; do
	while [ "$(for p in $pids; do kill -0 "$p" 2>/dev/null && echo x; done | wc -l)" -ge "$JOBS" ]; do
		sleep 0.2
	done
	one "$a" &
	pids="$pids $!"
done
wait
pass=0 fail=0
for a in "$@"; do
	line=$(cat "$OUT/user-$a.result" 2>/dev/null || echo "FAIL $a: no result")
	echo "$line"
	case "$line" in PASS*) pass=$((pass + 1)) ;; *) fail=$((fail + 1)) ;; esac
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

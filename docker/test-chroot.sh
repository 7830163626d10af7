#!/bin/bash
# SPDX-License-Identifier: ISC
# test-chroot.sh ECHOD ITEST
#
# echod alone: a root directory that holds only the binary (no /dev, /proc,
# /etc, libraries or shell), a new network namespace with nothing but lo, a
# new PID namespace in which echod is PID 1, and user nobody (65534). The
# integration tests run against it on 127.0.0.1 and ::1 from inside the same
# namespace; then SIGTERM and SIGINT must end it at once with status 0.
#
# As root, or else inside a user namespace (unshare -r) where the kernel
# allows one: then echod runs as the namespace's root, not as nobody.
set -u
cd "$(dirname "$0")/.." || exit 1
PORT=8000

if [ "${1:-}" != --inside ]; then
	[ $# -eq 2 ] || { echo "usage: test-chroot.sh ECHOD ITEST" >&2; exit 2; }
	for f in "$1" "$2"; do
		[ -x "$f" ] || { echo "test-chroot: no $f" >&2; exit 1; }
	done
	ns=(--net)
	if [ "$(id -u)" != 0 ]; then
		if ! unshare -r true 2>/dev/null; then
			echo "SKIP test-chroot: needs root or user namespaces"
			echo "0 passed, 0 failed, 1 skipped"
			exit 0
		fi
		ns=(-r --net)
	fi
	# The whole test in a network namespace of its own: nothing it does
	# can reach or disturb the host's network, and it dies with the test.
	exec unshare "${ns[@]}" -- bash "$0" --inside "$(realpath "$1")" "$(realpath "$2")"
fi

echod=$2 itest=$3
. docker/harness.sh

root=$(mktemp -d "${TMPDIR:-/tmp}/echod-root.XXXXXX") || exit 1
log=$(mktemp "${TMPDIR:-/tmp}/echod-root-log.XXXXXX") || exit 1
runner=""
cleanup() {
	[ -n "$runner" ] && kill -KILL "$runner" 2>/dev/null && wait "$runner" 2>/dev/null
	rm -rf "$root" "$log"
}
trap cleanup EXIT
install -m 0755 "$echod" "$root/echod"
chmod 0755 "$root"
user=(--userspec=65534:65534)
[ "$(awk '$1 == 0 { print $2 }' /proc/self/uid_map)" = 0 ] || user=()

ip link set lo up
check "new netns: only lo, and it is up" [ "$(ip -o link show | awk -F': ' '{ print $2 }')" = lo ] 
check "the root holds only echod" [ "$(ls -A "$root")" = echod ]

# start: echod as PID 1 of a new PID namespace, chrooted into the empty root.
start() {
	: >"$log"
	unshare --pid --fork -- chroot "${user[@]}" "$root" /echod "$@" </dev/null >/dev/null 2>"$log" &
	runner=$!
	t0=$(now_ms)
	pid=""
	for _ in $(seq 500); do
		pid=$(cat /proc/$runner/task/$runner/children 2>/dev/null | awk '{ print $1 }')
		[ -n "$pid" ] && "$echod" -P 127.0.0.1:$PORT 2>/dev/null && break
		sleep 0.01
	done
	t1=$(now_ms)
}

# stop SIGNAL: the time to exit after it, and the exit status.
stop() {
	local t
	t=$(now_ms)
	kill -"$1" "$pid"
	wait "$runner"
	status=$?
	stop_ms=$(($(now_ms) - t))
	runner=""
}

start
if "$echod" -P 127.0.0.1:$PORT 2>/dev/null; then
	ok "echod serves in the empty root: $((t1 - t0)) ms from start to the first echo"
else
	bad "echod did not serve within 5 s: $(cat "$log")"
	echo "$pass passed, $fail failed"
	exit 1
fi
check "start line: listening on [::]:$PORT" grep -q "^echod: listening on \[::\]:$PORT tcp" "$log"
check "echod is PID 1 of its PID namespace" \
	[ "$(awk '/^NSpid:/ { print $NF }' /proc/$pid/status)" = 1 ]
check "echod's root is the empty directory" [ "$(readlink /proc/$pid/root)" = "$root" ]
if [ ${#user[@]} -gt 0 ]; then
	check "echod runs as 65534:65534" [ "$(awk '/^Uid:|^Gid:/ { print $2 }' /proc/$pid/status | tr '\n' :)" = 65534:65534: ]
fi
# The integration tests against it, both address families.
if "$itest" -r 127.0.0.1:$PORT -r "[::1]:$PORT" >"$log.itest" 2>&1; then
	ok "itest -r 127.0.0.1:$PORT -r [::1]:$PORT: $(tail -1 "$log.itest")"
else
	bad "itest -r 127.0.0.1:$PORT -r [::1]:$PORT:"
	sed 's/^/     /' "$log.itest"
fi
rm -f "$log.itest"
# The probe from inside the empty root: what a health check runs.
check "probe from inside the root: -P [::1]:$PORT exits 0" \
	chroot "${user[@]}" "$root" /echod -P "[::1]:$PORT"
check "probe of a port nobody serves exits 1" \
	eval "chroot ${user[*]} $root /echod -P 127.0.0.1:$((PORT + 1)) 2>/dev/null; [ \$? = 1 ]"

stop TERM
check "SIGTERM to PID 1: exit status 0 (got $status)" [ "$status" = 0 ]
check "SIGTERM to PID 1: gone in $stop_ms ms (< 1000)" [ "$stop_ms" -lt 1000 ]

start -q
check "started again, quiet (-q): no start line" eval "[ ! -s '$log' ]"
stop INT
check "SIGINT to PID 1: exit status 0 (got $status)" [ "$status" = 0 ]
check "SIGINT to PID 1: gone in $stop_ms ms (< 1000)" [ "$stop_ms" -lt 1000 ]
check "port $PORT is free again" eval "! '$echod' -P 127.0.0.1:$PORT 2>/dev/null"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

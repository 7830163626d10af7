# SPDX-License-Identifier: ISC
# shellcheck shell=sh
# What the packaging tests in tests/pkg/ share: counted checks and the
# closing line, a work directory, a clean copy of the tree, a PATH where
# every package manager fails, and echod started on a free port.
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
passed=0 failed=0

ok() { printf 'ok   %s\n' "$1"; passed=$((passed + 1)); }
bad() { printf 'FAIL %s\n' "$1"; failed=$((failed + 1)); }
# check NAME COMMAND...: one test, the command's status its result.
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; return 0; fi
	bad "$name"
	return 1
}
finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

# workdir NAME: W, a fresh directory under build/pkg/.
workdir() {
	W="$TOP/build/pkg/$1"
	rm -rf "$W"
	mkdir -p "$W"
}

# clean_copy DIR: the tracked files as they are now, committed or not,
# and nothing else (no build/).
clean_copy() {
	mkdir -p "$1"
	rev=$(git -C "$TOP" -c user.name=t -c user.email=t@localhost \
	    stash create 2>/dev/null) || rev=""
	git -C "$TOP" archive "${rev:-HEAD}" | tar -x -C "$1"
}

# no_packages DIR: apt-get, apt, dpkg, dpkg-query and sudo in DIR that
# write their call to DIR/stubs.log and fail. Put DIR first on PATH.
no_packages() {
	mkdir -p "$1"
	for t in apt-get apt dpkg dpkg-query sudo; do
		cat >"$1/$t" <<STUB
#!/bin/sh
echo "$t \$*" >>"$1/stubs.log"
echo "$t: no package manager on this host" >&2
exit 1
STUB
		chmod 0755 "$1/$t"
	done
}

# serve LOG COMMAND...: start COMMAND -l 127.0.0.1 -p 0 in the
# background; PID and PORT from its start line (up to 30 s: emulators).
serve() {
	log=$1
	shift
	"$@" -l 127.0.0.1 -p 0 2>"$log" &
	PID=$! PORT="" i=0
	while [ -z "$PORT" ] && [ $i -lt 300 ] && kill -0 "$PID" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
		PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$log")
	done
	[ -n "$PORT" ]
}
stop() {
	kill "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
}

# echoes ADDR:PORT: the host's echod probes it (a random nonce must come
# back within 2 s).
echoes() {
	"$TOP/build/echod" -P "$1"
}

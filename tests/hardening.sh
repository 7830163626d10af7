#!/bin/sh
# SPDX-License-Identifier: ISC
# The hardening checks of checksec, for a static-pie program, with
# readelf and a run of it. Usage: hardening.sh [-n] BINARY UNSTRIPPED-TWIN
# -n: a foreign binary: readelf's checks only, no disassembly, no run.
full=1
[ "${1:-}" = -n ] && { full=0; shift; }
bin=${1:?usage: hardening.sh [-n] BINARY UNSTRIPPED}
twin=${2:?usage: hardening.sh [-n] BINARY UNSTRIPPED}
passed=0 failed=0
check() {
	if eval "$2"; then
		echo "ok   $1"
		passed=$((passed + 1))
	else
		echo "FAIL $1"
		failed=$((failed + 1))
	fi
}
hdr=$(readelf -hW "$bin") && seg=$(readelf -lW "$bin") &&
	dyn=$(readelf -dW "$bin") && sec=$(readelf -SW "$bin") || exit 1
check "position-independent (ELF type DYN)" 'echo "$hdr" | grep -q "Type:.*DYN"'
check "static: no interpreter" '! echo "$seg" | grep -q INTERP'
check "static: no needed libraries" '! echo "$dyn" | grep -q NEEDED'
check "RELRO segment" 'echo "$seg" | grep -q GNU_RELRO'
check "immediate binding (BIND_NOW)" 'echo "$dyn" | grep -Eq "BIND_NOW|FLAGS_1.*NOW"'
check "no executable stack" 'echo "$seg" | grep GNU_STACK | grep -q "RW "'
check "no writable and executable segment" '! echo "$seg" | grep LOAD | grep -q "RWE"'
check "stripped (no symbol table)" '! echo "$sec" | grep -q "\.symtab"'
[ "$full" = 1 ] || { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }
# say() keeps a 512-byte buffer on its stack: -fstack-protector-strong
# must guard it. The stripped binary has no names left, so its twin tells
# (link-time optimisation may call it say.constprop.0 or the like).
check "stack protector in our code" \
	'objdump -d "$twin" | awk "/<say[.>]/,/^\$/" | grep -q __stack_chk_fail'
# musl leaves static programs' RELRO writable; echod protects it itself.
"$bin" -l 127.0.0.1 -p 0 -q -S & pid=$!
i=0
while [ $i -lt 50 ] && ! grep -q echod "/proc/$pid/maps" 2>/dev/null; do
	sleep 0.1; i=$((i + 1))
done
sleep 0.2
maps=$(cat "/proc/$pid/maps" 2>/dev/null)
kill "$pid" 2>/dev/null; wait "$pid"
check "RELRO read-only at run time" \
	'echo "$maps" | grep "$(basename "$bin")" | grep -q " r--p "'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

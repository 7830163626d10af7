#!/bin/sh
# SPDX-License-Identifier: ISC
# make lint: cppcheck and clang-tidy (.clang-tidy) over every C file of
# ours; each must report nothing. Usage: lint.sh FILE...
# cppcheck's suppressions, and why:
#  variableScope: style(9) declares variables at the top of a function.
#  unusedStructMember in src/sandbox.c and tests/itest/sandbox.c: the BPF
#    structs are read by the kernel.
passed=0 failed=0
run() {
	name=$1
	shift
	if out=$("$@" 2>&1) && [ -z "$(printf '%s' "$out" | grep -E 'warning:|error:|style:|portability:|performance:')" ]; then
		echo "ok   $name"
		passed=$((passed + 1))
	else
		printf '%s\n' "$out" | grep -E 'warning:|error:|style:|portability:|performance:' | head -50
		echo "FAIL $name"
		failed=$((failed + 1))
	fi
}
run cppcheck cppcheck --enable=warning,style,performance,portability \
	--std=c11 -D_GNU_SOURCE --inline-suppr --error-exitcode=1 --quiet \
	--suppress=variableScope --suppress=unusedStructMember:src/sandbox.c \
	--suppress=unusedStructMember:tests/itest/sandbox.c \
	-I src -I tests "$@"
run clang-tidy clang-tidy --quiet "$@" -- -std=c11 -D_GNU_SOURCE -Isrc -Itests
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

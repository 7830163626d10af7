#!/bin/sh
# SPDX-License-Identifier: ISC
# license.sh: what a distribution needs to package echod. LICENSE is the
# ISC license of "the echod authors", and every source file, build file
# and script under version control names it in an SPDX line.
set -u
. "$(dirname "$0")/lib.sh"

check "LICENSE is the ISC license" grep -q \
    'Permission to use, copy, modify, and distribute this software for any' \
    "$TOP/LICENSE"
check "LICENSE names the echod authors" grep -q 'the echod authors' \
    "$TOP/LICENSE"
missing=$(git -C "$TOP" ls-files | grep -E '\.(c|h|sh|py|mk|8)$|(^|/)(Makefile|Dockerfile|run)$' |
    while read -r f; do
	grep -q 'SPDX-License-Identifier: ISC' "$TOP/$f" || echo "$f"
done)
check "every source file has an SPDX line" test -z "$missing" ||
	echo "     without one: $(echo "$missing" | tr '\n' ' ')"
finish

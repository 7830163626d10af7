#!/bin/sh
# SPDX-License-Identifier: ISC
# manpage.sh ECHOD: src/echod.8 is clean under mandoc -Tlint, and the flags
# that `ECHOD -h`, the man page and README.md describe are the same.
#   -h        its option lines: "  -p PORT  ..."
#   echod.8   its option list: ".It Fl p Ar port"
#   README    the first cell of its option table: "| `-p PORT` |"
set -u
. "$(dirname "$0")/lib.sh"
echod=${1:?usage: manpage.sh ECHOD}
page="$TOP/src/echod.8"

# Whether other manuals are installed depends on the machine, not on us.
lint=$(mandoc -Tlint "$page" 2>&1 | grep -v -e 'outdated mandoc.db' \
    -e 'referenced manual not found')
check "mandoc -Tlint src/echod.8" test -z "$lint" || echo "$lint"

letters() {
	grep -o -e '-[A-Za-z]' | tr -d - | sort | tr -d '\n'
}
help=$("$echod" -h 2>&1 | grep -E '^ +-[A-Za-z]' | awk '{ print $1 }' |
    letters)
man=$(sed -n 's/^\.It Fl \([A-Za-z]\).*/-\1/p' "$page" | letters)
readme=$(grep -E '^\| `-[A-Za-z]' "$TOP/README.md" | cut -d'|' -f2 |
    grep -o -e '`-[A-Za-z]' | letters)
echo "     -h: $help; echod.8: $man; README: $readme"
check "echod -h lists flags" test -n "$help"
check "the man page lists the flags of -h" test "$man" = "$help"
check "README.md lists the flags of -h" test "$readme" = "$help"
finish

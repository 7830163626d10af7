#!/bin/sh
# SPDX-License-Identifier: ISC
# install.sh: make install and make uninstall as a packager runs them.
# DESTDIR with PREFIX=/usr installs exactly the binary and the man page,
# with their modes; SBINDIR and MANDIR move them; uninstall removes them;
# installing without a build fails with a message and builds nothing.
# Every make runs with no package manager on PATH.
set -u
. "$(dirname "$0")/lib.sh"
workdir install
no_packages "$W/bin"
mk() {
	PATH="$W/bin:$PATH" make --no-print-directory "$@" >>"$W/make.log" 2>&1
}
# files ROOT: every file under ROOT with its mode, sorted.
files() {
	(cd "$1" && find . -type f -printf '%m %p\n' | sort)
}
same() {
	test "$1" = "$2" || { printf '    got:\n%s\n    want:\n%s\n' "$1" "$2"; false; }
}

root="$W/root"
check "make install DESTDIR=... PREFIX=/usr" \
	mk -C "$TOP" install DESTDIR="$root" PREFIX=/usr
check "exactly the binary (0755) and the man page (0644)" same \
	"$(files "$root")" \
	"$(printf '644 ./usr/share/man/man8/echod.8\n755 ./usr/sbin/echod')"
check "the binary is build/echod" cmp -s "$root/usr/sbin/echod" \
	"$TOP/build/echod"
check "the man page is src/echod.8" cmp -s \
	"$root/usr/share/man/man8/echod.8" "$TOP/src/echod.8"
check "directories 0755" same "$(find "$root" -type d ! -perm 0755)" ""
check "make uninstall DESTDIR=... PREFIX=/usr" \
	mk -C "$TOP" uninstall DESTDIR="$root" PREFIX=/usr
check "nothing left" same "$(files "$root")" ""

root="$W/moved"
mk -C "$TOP" install DESTDIR="$root" SBINDIR=/bin MANDIR=/man
check "SBINDIR and MANDIR honoured" same "$(files "$root")" \
	"$(printf '644 ./man/man8/echod.8\n755 ./bin/echod')"

# A copy that was never built: install refuses and builds nothing.
clean_copy "$W/src"
root="$W/unbuilt"
! mk -C "$W/src" install DESTDIR="$root"
check "install without a build fails" test $? -eq 0
check "saying to run make first" grep -q "build/echod is missing: run make first" \
	"$W/make.log"
check "without building anything" test ! -e "$W/src/build"
check "or installing anything" same "$(files "$root" 2>/dev/null)" ""
check "no package manager called" test ! -e "$W/bin/stubs.log"
finish

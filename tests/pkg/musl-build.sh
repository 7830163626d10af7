#!/bin/sh
# SPDX-License-Identifier: ISC
# musl-build.sh x86_64|aarch64: a packager's build of a clean copy of the
# tree, as the OpenWrt SDK runs it, on a host with no package manager
# (apt-get, dpkg, dpkg-query and sudo fail and log their call).
#   x86_64   make CC=x86_64-openwrt-linux-musl-gcc CFLAGS=... LDFLAGS=...
#   aarch64  make CROSS_COMPILE=aarch64-openwrt-linux-musl- CFLAGS=...
# The compiler is a wrapper of that name around the project's musl
# compiler (gcc, or Debian's aarch64 cross gcc, with the static-pie musl
# specs the Makefile writes): it answers -dumpmachine as OpenWrt's does and
# logs its arguments. The result must be built with that compiler and the
# packager's flags, be static and hardened (tests/hardening.sh; aarch64:
# its readelf checks), and echo (aarch64: under qemu-aarch64-static).
set -u
. "$(dirname "$0")/lib.sh"
arch=${1:?usage: musl-build.sh x86_64|aarch64}
case $arch in
x86_64)
	triplet=x86_64-openwrt-linux-musl run="" cpu=""
	real="gcc -specs $TOP/build/musl-gcc.specs" ;;
aarch64)
	triplet=aarch64-openwrt-linux-musl run=qemu-aarch64-static
	cpu=-mcpu=cortex-a53
	real="aarch64-linux-gnu-gcc -specs $TOP/build/specs/aarch64.specs" ;;
*)
	echo "usage: musl-build.sh x86_64|aarch64" >&2
	exit 2 ;;
esac
workdir "musl-$arch"
src="$W/src"
clean_copy "$src"
no_packages "$W/bin"
printf '%s\n' '#!/bin/sh' \
    "echo \"\$*\" >>\"$W/cc.log\"" \
    "for a; do [ \"\$a\" = -dumpmachine ] && { echo $triplet; exit 0; }; done" \
    "exec $real \"\$@\"" >"$W/bin/$triplet-gcc"
chmod 0755 "$W/bin/$triplet-gcc"
mkdir -p "$W/staging/usr/include" "$W/staging/usr/lib"

# TARGET_CFLAGS, TARGET_CPPFLAGS and TARGET_LDFLAGS of an OpenWrt build
# (its hardening defaults: format security, -fstack-protector, FORTIFY 1,
# full RELRO). Left out: -fhonour-copts, a flag of OpenWrt's patched gcc
# that Debian's gcc 12 rejects.
CFLAGS="-Os -pipe $cpu -fno-caller-saves -fno-plt \
-Wno-error=unused-but-set-variable -Wno-error=unused-result \
-fmacro-prefix-map=$src=echod -Wformat -Werror=format-security \
-fstack-protector -D_FORTIFY_SOURCE=1 -Wl,-z,now -Wl,-z,relro"
CPPFLAGS="-I$W/staging/usr/include -I$W/staging/include/fortify"
LDFLAGS="-L$W/staging/usr/lib -L$W/staging/lib -znow -zrelro"
if [ "$arch" = x86_64 ]; then
	set -- CC="$triplet-gcc"
else
	set -- CROSS_COMPILE="$triplet-"
fi
build() {
	PATH="$W/bin:$PATH" make -C "$src" "$@" CFLAGS="$CFLAGS" \
	    CPPFLAGS="$CPPFLAGS" LDFLAGS="$LDFLAGS" build/echod \
	    build/echod.debug >"$W/make.log" 2>&1
}
check "make $*, CFLAGS, CPPFLAGS, LDFLAGS as OpenWrt's" build "$@" ||
	sed 's/^/    /' "$W/make.log"
check "no package manager called" test ! -e "$W/bin/stubs.log"
line=$(grep -e '-o build/echod ' "$W/cc.log" 2>/dev/null)
check "built by $triplet-gcc" test -n "$line"
has() {
	case " $line " in *" $1 "*) ;; *) false ;; esac
}
for f in -fno-caller-saves "-fmacro-prefix-map=$src=echod" \
    -D_FORTIFY_SOURCE=1 "-I$W/staging/usr/include" -znow -static-pie \
    -fstack-protector-strong; do
	check "flag $f used" has "$f"
done
check "a musl compiler is used as it is (no -specs)" eval \
	'case "$line" in *-specs*) false ;; esac'
hardened() {
	sh "$TOP/tests/hardening.sh" ${run:+-n} \
	    "$src/build/echod" "$src/build/echod.debug" >"$W/hardening.log" 2>&1
}
check "static and hardened (tests/hardening.sh${run:+ -n})" hardened ||
	sed 's/^/    /' "$W/hardening.log"
if serve "$W/echod.log" $run "$src/build/echod"; then
	check "it echoes${run:+ under $run}" echoes "127.0.0.1:$PORT"
else
	bad "it starts${run:+ under $run}"
	sed 's/^/    /' "$W/echod.log"
fi
stop
# A compiler that can only build for glibc: one line, and nothing built.
refused() {
	rm -f "$src/build/echod"
	! PATH="$W/bin:$PATH" make -C "$src" CC=clang build/echod \
	    >"$W/glibc.log" 2>&1 &&
	    grep -q 'clang builds for .*musl-gcc.specs is missing' \
	    "$W/glibc.log" && test ! -e "$src/build/echod"
}
[ "$arch" != x86_64 ] || check "a glibc-only compiler is refused" refused
finish

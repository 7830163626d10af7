#!/bin/sh
# SPDX-License-Identifier: ISC
# toolchain.sh ARCH[-sf]: a musl sysroot for Debian's cross gcc under
# build/sysroot/ARCH, ending in build/sysroot/ARCH/musl-gcc.specs, so that
#   GCC -specs build/sysroot/ARCH/musl-gcc.specs ... -static
# links a static musl binary. Debian's musl-dev of that architecture is
# fetched with the private apt state (qemu/apt.sh) and unpacked with dpkg -x;
# its specs file names absolute /usr paths, rewritten here to the sysroot.
# mips (big-endian) has no Debian binary package, and ARCH-sf (mips-sf,
# mipsel-sf: soft-float, as OpenWrt's MIPS targets are) none at all: for
# those musl is built from Debian's musl source package.
set -eu
# shellcheck source=qemu/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=qemu/apt.sh
. "$TOP/qemu/apt.sh"

arch=${1:?usage: toolchain.sh ARCH[-sf]}
case $arch in *-sf) float=soft ;; *) float=hard ;; esac
arch_vars "${arch%-sf}"
[ "$arch" != x86_64 ] || { echo "x86_64 uses the host's musl-gcc" >&2; exit 1; }
command -v "$GCC" >/dev/null || {
	echo "toolchain: $GCC missing (make setup-qemu installs it)" >&2
	exit 1
}
root="$TOP/build/sysroot/$arch"
specs="$root/musl-gcc.specs"
rm -rf "$root"
mkdir -p "$root"
apt_init

if [ "$float" = soft ] || [ "$arch" = mips ]; then
	src="$TOP/build/sysroot/src-$arch"
	cache="$APT_DIR/src"
	rm -rf "$src"
	mkdir -p "$src" "$cache"
	echo "toolchain: building $float-float musl for $TRIPLET from Debian's source package"
	if ! ls "$cache"/musl_*.dsc >/dev/null 2>&1; then
		(cd "$cache" && apt-get -q source --download-only musl) \
		    >"$src/fetch.log" 2>&1 || { cat "$src/fetch.log" >&2; exit 1; }
	fi
	apt_release
	dsc=$(find "$cache" -name "musl_*.dsc" | sort | tail -n 1)
	dpkg-source --no-check -x "$dsc" "$src/musl" >"$src/unpack.log" 2>&1 ||
	    { cat "$src/unpack.log" >&2; exit 1; }
	# Debian's own layout: headers and libraries under the triplet.
	(cd "$src/musl" &&
	    ./configure --target="${GCC%-gcc}" CROSS_COMPILE="${GCC%gcc}" \
	        CC="$GCC" CFLAGS="-m$float-float" \
	        --prefix=/usr --includedir="/usr/include/$TRIPLET" \
	        --libdir="/usr/lib/$TRIPLET" --syslibdir="/lib/$TRIPLET" \
	        --disable-shared --disable-wrapper &&
	    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -j"$(nproc)" &&
	    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make install DESTDIR="$root") \
	    >"$src/build.log" 2>&1 || { tail -n 30 "$src/build.log" >&2; exit 1; }
	rm -rf "$src/musl"
	# The specs Debian's musl-dev ships for its architectures.
	cat >"$specs.in" <<EOF
%rename cpp_options old_cpp_options

*cpp_options:
-nostdinc -isystem /usr/include/$TRIPLET -isystem include%s %(old_cpp_options)

*cc1:
%(cc1_cpu) -nostdinc -isystem /usr/include/$TRIPLET -isystem include%s

*link_libgcc:
-L/usr/lib/$TRIPLET -L .%s

*libgcc:
libgcc.a%s %:if-exists(libgcc_eh.a%s)

*startfile:
%{!shared: /usr/lib/$TRIPLET/Scrt1.o} /usr/lib/$TRIPLET/crti.o crtbeginS.o%s

*endfile:
crtendS.o%s /usr/lib/$TRIPLET/crtn.o

*link:
-dynamic-linker /lib/ld-musl-$arch.so.1 -nostdlib %{shared:-shared} %{static:-static} %{rdynamic:-export-dynamic}

EOF
	# Soft-float: -msoft-float unless -mhard-float is given. Debian's gcc
	# has no soft-float multilib: its crtbeginS.o, crtendS.o and libgcc.a
	# are hard-float. A program that hands floating-point values to libgcc
	# would break, and libgcc's floating-point helpers use the FPU: only
	# programs without floating point can use this sysroot (make
	# soft-float checks echod). The linker is told not to warn of the mix.
	[ "$float" = hard ] || cat >>"$specs.in" <<EOF
*self_spec:
+ %{!mhard-float:-msoft-float}

*link:
+ --no-warn-mismatch

EOF
else
	deb=$(apt_fetch "musl-dev:$DEBARCH")
	apt_release
	dpkg -x "$deb" "$root"
	cp "$root/usr/lib/$TRIPLET/musl-gcc.specs" "$specs.in"
fi

# Every absolute /usr path in the specs now points into the sysroot.
sed "s#/usr/\\(include\\|lib\\)/#$root/usr/\\1/#g" "$specs.in" >"$specs.tmp"
rm -f "$specs.in"
if sed "s#$root/usr/##g" "$specs.tmp" | grep -q '/usr/'; then
	echo "toolchain: $specs still names /usr paths" >&2
	exit 1
fi
[ -f "$root/usr/lib/$TRIPLET/libc.a" ] || {
	echo "toolchain: no libc.a for $TRIPLET in $root" >&2
	exit 1
}
mv "$specs.tmp" "$specs"
echo "toolchain: $arch ready: $GCC -specs ${specs#"$TOP"/}"

#!/bin/sh
# SPDX-License-Identifier: ISC
# kernel.sh ARCH: Debian bookworm's kernel for ARCH under build/kernels/ARCH:
#   vmlinuz      the kernel QEMU boots (x86_64: the uncompressed vmlinux,
#                which QEMU starts directly through its PVH entry point)
#   modules/     NN-name.ko: the NIC's modules in dependency order, for
#                /init to load with finit_module
#   release      the kernel release, e.g. 6.1.0-50-arm64
# The ABI is resolved through the flavour metapackage (linux-image-FLAVOUR),
# so a point release is followed; the .deb is cached in build/apt/debs.
set -eu
# shellcheck source=qemu/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=qemu/apt.sh
. "$TOP/qemu/apt.sh"

arch=${1:?usage: kernel.sh ARCH}
arch_vars "$arch"
[ -n "$FLAVOUR" ] || { echo "kernel: no kernel for $arch" >&2; exit 1; }
out="$TOP/build/kernels/$arch"
apt_init

# linux-image-FLAVOUR depends on linux-image-<ABI>-FLAVOUR.
resolve() {
	pkg=$(apt_depends "linux-image-$FLAVOUR:$DEBARCH" linux-image-)
	[ -n "$pkg" ] || {
		echo "kernel: linux-image-$FLAVOUR:$DEBARCH names no kernel" >&2
		return 1
	}
	apt_fetch "$pkg:$DEBARCH"
}
deb=$(resolve 2>/dev/null) || { apt_update && deb=$(resolve); }
apt_release
release=$(basename "$deb" | sed 's/^linux-image-\([^_]*\)_.*/\1/')
echo "kernel: $arch: $(basename "$deb")"

tmp="$out.tmp"
rm -rf "$tmp"
mkdir -p "$tmp"
m="./lib/modules/$release"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" \
    "./boot/vmlinuz-$release" "$m/modules.builtin" \
    --wildcards "$m/kernel/drivers/virtio/*" "$m/kernel/drivers/net/*.ko" \
    "$m/kernel/net/core/*.ko"
mods="$tmp/$m"

# A module's dependencies, from its own .modinfo (no modules.dep in the
# package: depmod makes that at install time).
deps_of() {
	tr '\0' '\n' <"$1" | sed -n 's/^depends=//p' | head -n 1 | tr ',' ' '
}
file_of() {
	find "$mods/kernel" -name "$1.ko" | head -n 1
}
builtin() {
	grep -q "/$1\\.ko\$" "$mods/modules.builtin"
}
# Depth-first: every module after the modules it depends on.
order=""
visit() {
	case " $order " in *" $1 "*) return 0 ;; esac
	f=$(file_of "$1")
	if [ -z "$f" ]; then
		builtin "$1" && return 0
		echo "kernel: module $1 neither in the package nor built in" >&2
		return 1
	fi
	for d in $(deps_of "$f"); do
		visit "$(echo "$d" | tr - _)" || return 1
	done
	order="$order $1"
}
for r in $MODROOTS; do
	visit "$r"
done
mkdir -p "$tmp/modules"
n=10
for mod in $order; do
	cp "$(file_of "$mod")" "$tmp/modules/$n-$mod.ko"
	n=$((n + 1))
done
echo "kernel: $arch: NIC modules:$order"

if [ "$arch" = x86_64 ]; then
	# bzImage holds an xz-compressed ELF vmlinux with a PVH note; QEMU
	# boots that directly, skipping the real-mode set-up and decompression.
	vmlinuz="$tmp/boot/vmlinuz-$release"
	at=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | head -n 1 | cut -d: -f1)
	[ -n "$at" ] || { echo "kernel: no xz payload in $vmlinuz" >&2; exit 1; }
	tail -c +$((at + 1)) "$vmlinuz" | xz -dcq >"$tmp/vmlinuz" 2>/dev/null || :
	[ "$(head -c 4 "$tmp/vmlinuz" | od -An -c | tr -d ' ')" = '177ELF' ] || {
		echo "kernel: xz payload of $vmlinuz is no ELF" >&2
		exit 1
	}
	rm "$vmlinuz"
else
	mv "$tmp/boot/vmlinuz-$release" "$tmp/vmlinuz"
fi
rm -rf "${tmp:?}/boot" "${tmp:?}/lib"
# The package's mtime is older than this script: make's target is fresh now.
touch "$tmp/vmlinuz"
echo "$release" >"$tmp/release"
rm -rf "$out"
mv "$tmp" "$out"
echo "kernel: $arch ready: build/kernels/$arch/vmlinuz ($release)"

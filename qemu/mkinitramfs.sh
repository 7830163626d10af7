#!/bin/sh
# SPDX-License-Identifier: ISC
# mkinitramfs.sh ARCH: build/ARCH/initramfs.cpio, an uncompressed newc
# archive of static programs of ours only: /init, /echod, /itest, plus the
# NIC's modules from build/kernels/ARCH/modules. Debian's kernels bring
# /dev/console in their built-in initramfs.
set -eu
# shellcheck source=qemu/lib.sh
. "$(dirname "$0")/lib.sh"
arch=${1:?usage: mkinitramfs.sh ARCH}
b="$TOP/build/$arch"
root="$b/initramfs"
rm -rf "$root"
mkdir -p "$root/proc" "$root/dev" "$root/modules"
for p in init echod itest; do
	[ -x "$b/$p" ] || { echo "mkinitramfs: $b/$p missing" >&2; exit 1; }
	cp "$b/$p" "$root/$p"
done
cp "$TOP/build/kernels/$arch/modules/"*.ko "$root/modules/"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
    cpio -o -H newc -R 0:0 --quiet) >"$b/initramfs.cpio.tmp"
mv "$b/initramfs.cpio.tmp" "$b/initramfs.cpio"
rm -rf "$root"

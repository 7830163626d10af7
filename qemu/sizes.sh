#!/bin/sh
# SPDX-License-Identifier: ISC
# sizes.sh ARCH...: a markdown table of build/ARCH/echod: stripped size and
# the CPU floor, read from the binary's own ELF header and attributes.
set -eu
# shellcheck source=qemu/lib.sh
. "$(dirname "$0")/lib.sh"

floor() {
	h=$(readelf -h "$1") a=$(readelf -A "$1" 2>/dev/null || :)
	case "$h" in
	*X86-64*) echo "x86-64 (baseline)" ;;
	*AArch64*) echo "ARMv8-A (64-bit)" ;;
	*"Machine:"*ARM*)
		cpu=$(echo "$a" | sed -n 's/^ *Tag_CPU_arch: //p')
		fp=$(echo "$a" | sed -n 's/^ *Tag_FP_arch: //p')
		case "$h" in
		*hard-float*) echo "ARM$cpu + ${fp:-VFP}, hard-float" ;;
		*) echo "ARM$cpu, soft-float${fp:+ ($fp optional)}" ;;
		esac ;;
	*MIPS*)
		isa=$(echo "$a" | sed -n 's/^ISA: //p')
		fp=$(echo "$a" | sed -n 's/^FP ABI: //p')
		case "$h" in *"big endian"*) e=BE ;; *) e=LE ;; esac
		case "$fp" in
		Hard*) echo "$isa $e, hard-float (FPU or kernel FPU emulation)" ;;
		Soft*) echo "$isa $e, soft-float" ;;
		*) echo "$isa $e, ${fp:-?}" ;;
		esac ;;
	*) echo "?" ;;
	esac
}

echo "| arch | build/<arch>/echod | CPU floor |"
echo "| --- | ---: | --- |"
for a in "$@"; do
	f="$TOP/build/$a/echod"
	echo "| $a | $(stat -c %s "$f") bytes | $(floor "$f") |"
done

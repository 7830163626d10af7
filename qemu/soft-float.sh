#!/bin/sh
# SPDX-License-Identifier: ISC
# soft-float.sh ARCH...: the MIPS binaries run on a CPU without an FPU, as
# most OpenWrt routers (mipsel_24kc, mips_24kc) have. For each ARCH:
#   - build/ARCH/echod says soft-float (its ELF attributes) and holds no
#     FPU instruction (its disassembly);
#   - echod serves and echoes under qemu-ARCH-static -cpu 24Kc, a MIPS32r2
#     core without FPU;
#   - a control: a program that does double arithmetic with this
#     toolchain holds FPU instructions (libgcc's are hard-float) and dies
#     under -cpu 24Kc, so both checks can fail.
# Prints ok/FAIL lines, then "N passed, N failed".
set -u
# shellcheck source=qemu/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/pkg/lib.sh
. "$TOP/tests/pkg/lib.sh"
CPU=24Kc

# fpu BINARY OBJDUMP: the FPU instructions in BINARY's code (COP1 loads,
# stores and moves, FP branches, and every .s/.d/.w/.l/.ps operation).
fpu() {
	"$2" -d "$1" | awk -F'\t' 'NF >= 3 { print $3 }' | grep -E \
	    '^([ls][wd]x?c1|[ls]uxc1|m[ft]h?c1|[cm][ft]c1|bc1|.*\.(s|d|w|l|ps)(\.|$))'
}
soft() {
	readelf -A "$1" | grep -q 'FP ABI: Soft float'
}
no_fpu() {
	[ -f "$1" ] || return 1
	n=$(fpu "$1" "$2" | wc -l)
	[ "$n" -eq 0 ] || echo "    $n FPU instructions, e.g. $(fpu "$1" "$2" | sort -u | head -n 3 | tr '\n' ' ')"
	[ "$n" -eq 0 ]
}

for arch in "$@"; do
	arch_vars "$arch"
	objdump=${GCC%gcc}objdump
	q=$(command -v "$QUSER") || { bad "$arch: $QUSER missing"; continue; }
	bin="$TOP/build/$arch/echod"
	check "$arch echod: soft-float ELF" soft "$bin"
	check "$arch echod: no FPU instruction" no_fpu "$bin" "$objdump"
	W="$TOP/build/qemu/soft-float-$arch"
	mkdir -p "$W"
	if serve "$W/echod.log" "$q" -cpu "$CPU" "$TOP/build/$arch/echod"; then
		check "$arch echod echoes on a $CPU (no FPU)" echoes "127.0.0.1:$PORT"
	else
		bad "$arch echod starts on a $CPU (no FPU)"
		sed 's/^/    /' "$W/echod.log"
	fi
	stop
	printf '%s\n' 'int main(int c, char **v)' \
	    '{ volatile double a = c; (void)v; return a * 1.5 > 1.0 ? 0 : 1; }' \
	    >"$W/fpu.c"
	"$GCC" -specs "$TOP/build/sysroot/$arch-sf/musl-gcc.specs" -static -O1 \
	    -o "$W/fpu" "$W/fpu.c"
	check "control: double arithmetic holds FPU instructions" \
	    eval '! no_fpu "$W/fpu" "$objdump" >/dev/null'
	check "control: and dies on a $CPU" eval '! "$q" -cpu "$CPU" "$W/fpu" 2>/dev/null'
done
finish

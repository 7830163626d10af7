#!/bin/sh
# SPDX-License-Identifier: ISC
# size.sh MEASURED MAP SHIPPED: what each module costs in MEASURED (a
# stripped link without LTO), from the linker's map of that link: code
# with read-only data (what the file carries), data and bss per source
# file, musl's members summed as one. Then SHIPPED as it is: its size,
# what xz -9 makes of it (what a squashfs flash image pays), and how far
# its code may grow before the file jumps by a page.
set -eu
measured=$1 map=$2 bin=$3
size=$(stat -c %s "$measured")
table=$(sed -n '/^Linker script and memory map/,$p' "$map" | awk '
function hex(s,   v, i, c) {
	v = 0
	for (i = 3; i <= length(s); i++) {
		c = index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
		v = v * 16 + c
	}
	return v
}
# An input section: " .name  ADDR  SIZE  FILE", or the name on a line of
# its own and the rest on the next.
function add(name, len, file,   kind, mod) {
	len = hex(len)
	if (len == 0 || file == "")
		return
	if (name ~ /^\.(text|rodata|init|fini)/) kind = 1
	else if (name ~ /^\.(data|got|init_array|fini_array|tdata)/) kind = 2
	else if (name ~ /^\.(bss|tbss)/ || name == "COMMON") kind = 3
	else return
	mod = file
	if (mod ~ /libc\.a\(/ || mod ~ /crt/ || mod ~ /libgcc/) mod = "~musl"
	sub(/.*\//, "", mod); sub(/\.o$/, ".c", mod)
	cost[mod, kind] += len; mods[mod] = 1
}
/^ \.[^ ]+$/ || /^ COMMON$/ { pending = $1; next }
pending != "" && /^ +0x/ { add(pending, $2, $3); pending = ""; next }
{ pending = "" }
/^ \.[^ ]+ +0x/ || /^ COMMON +0x/ { add($1, $3, $4) }
END {
	for (m in mods)
		printf "%-12s %8d %8d %8d\n", m, cost[m, 1], cost[m, 2], cost[m, 3]
}' | sort | sed 's/^~musl /musl  /')
echo "$table" | awk -v size="$size" '
BEGIN { printf "%-12s %8s %8s %8s\n", "module", "text", "data", "bss" }
{ print; t += $2; d += $3; b += $4 }
END {
	printf "%-12s %8d %8d %8d\n", "all", t, d, b
	printf "without LTO: %d bytes, of which %d are ELF headers, " \
	    "relocations and the page padding RELRO needs\n", size, size - t - d
}'
echo "$bin: $(stat -c %s "$bin") bytes, xz -9: $(xz -9 -c "$bin" | wc -c) bytes"
# The read-write segment starts where its page offset lets RELRO end on a
# page: code grows into the gap before it, then the file jumps by a page.
readelf -lW "$bin" | awk '$1 == "LOAD" { print $2, $5 }' | {
	read -r _ rx_size && read -r rw_offset _ &&
	echo "code may grow $((rw_offset - rx_size)) bytes before the file grows by a page"
}

#!/bin/sh
# SPDX-License-Identifier: ISC
# mkimage.sh: build a container image without a daemon.
#
#   mkimage.sh image OUT.tar DOCKERFILE BINARY PLATFORM NAME:TAG [KEY=VALUE...]
#       One image, PLATFORM being amd64, arm64, arm/v7, mipsle, ... The tar
#       is both an OCI image layout (oci-layout, index.json, blobs/sha256/)
#       and a `docker save` archive (manifest.json), with one uncompressed
#       layer that holds only BINARY, at the path the Dockerfile's COPY
#       names. The image config comes from the Dockerfile, which may use
#       FROM scratch, COPY, USER, EXPOSE, STOPSIGNAL, HEALTHCHECK (exec form),
#       ENTRYPOINT and CMD (exec form), LABEL (key="value" pairs) and
#       nothing else. KEY=VALUE arguments are labels too, as with
#       `docker build --label` (values without spaces or quotes).
#   mkimage.sh index OUT.tar NAME:TAG IMAGE.tar...
#       A multi-arch OCI layout: one image index over the images built above.
#
# Deterministic: the same inputs give the same bytes. Every time stamp is
# SOURCE_DATE_EPOCH (default 0), tar entries are sorted, owned by 0:0 and
# carry no atime/ctime; JSON is written by printf in a fixed order.
set -eu
export LC_ALL=C

EPOCH=${SOURCE_DATE_EPOCH:-0}
CREATED=$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)
OCI=application/vnd.oci.image
# -b 1: 512-byte records, so no tar is padded out to 10 KiB.
TAR="tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@$EPOCH \
--format=posix --pax-option=delete=atime,delete=ctime -b 1"

die() { echo "mkimage: $*" >&2; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { wc -c <"$1" | tr -d ' '; }
# Move a file into the blob store; print its digest.
blob() {
	d=$(sha "$1")
	mv "$1" "$stage/blobs/sha256/$d"
	echo "$d"
}
# The tar of the staging directory, with fixed modes.
pack() {
	mkdir -p "$(dirname "$1")"
	set -- "$(cd "$(dirname "$1")" && pwd)/${1##*/}"
	find "$stage" -type d -exec chmod 0755 {} +
	find "$stage" -type f -exec chmod 0644 {} +
	(cd "$stage" && if [ -e manifest.json ]; then m=manifest.json; else m=; fi &&
	    $TAR -cf "$1.tmp" blobs index.json $m oci-layout)
	mv "$1.tmp" "$1"
}
# name:tag -> the name containerd and docker use, and the tag alone.
refs() {
	case $1 in *:*) name=${1%:*} tag=${1##*:} ;; *) name=$1 tag=latest ;; esac
	case $name in */*) full=$name ;; *) full=docker.io/library/$name ;; esac
	case $full in *.*/*|*:*/*|localhost/*) ;; *) full=docker.io/$full ;; esac
	annotations="\"annotations\":{\"io.containerd.image.name\":\"$full:$tag\",\"org.opencontainers.image.ref.name\":\"$tag\"}"
}
platform() {
	case $1 in
	*/*) printf '"architecture":"%s","os":"linux","variant":"%s"' \
		"${1%%/*}" "${1#*/}" ;;
	*) printf '"architecture":"%s","os":"linux"' "$1" ;;
	esac
}

# The Dockerfile as JSON: prints the "config" object, then on a second line
# the "history" array, then on a third the path COPY writes to.
dockerfile() {
	awk -v created="$CREATED" -v extra="$2" '
	function fail(m) { print "mkimage: " FILENAME ": " m > "/dev/stderr"; bad = 1; exit 1 }
	function str(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
	# An exec-form array of plain strings, compacted.
	function arr(s,   out, n) {
		if (s !~ /^\[ *"[^"\\]*"( *, *"[^"\\]*")* *\]$/)
			fail("only the exec form [\"...\", ...] is supported: " s)
		out = ""; n = 0
		while (match(s, /"[^"]*"/)) {
			out = out (n++ ? "," : "") substr(s, RSTART, RLENGTH)
			s = substr(s, RSTART + RLENGTH)
		}
		return "[" out "]"
	}
	# A Go duration (1m30s, 5s, 500ms) in nanoseconds.
	function ns(d,   t, v, u, m) {
		t = 0
		if (d !~ /^([0-9]+(ns|us|ms|s|m|h))+$/) fail("bad duration: " d)
		while (match(d, /^[0-9]+/)) {
			v = substr(d, 1, RLENGTH) + 0; d = substr(d, RLENGTH + 1)
			match(d, /^(ns|us|ms|s|m|h)/); u = substr(d, 1, RLENGTH)
			d = substr(d, RLENGTH + 1)
			m = u == "ns" ? 1 : u == "us" ? 1e3 : u == "ms" ? 1e6 : \
			    u == "s" ? 1e9 : u == "m" ? 60e9 : 3600e9
			t += v * m
		}
		return sprintf("%.0f", t)
	}
	function label(k, v) {
		if (!(k in labels)) keys[nkeys++] = k
		labels[k] = v
	}
	function hist(line, empty) {
		history = history (history == "" ? "" : ",") \
		    "{\"created\":\"" created "\",\"created_by\":" str(line) \
		    (empty ? ",\"empty_layer\":true" : "") "}"
	}
	{ sub(/\r$/, "") }
	cont != "" { $0 = cont " " $0; cont = "" }
	/^[ \t]*(#|$)/ { next }
	/\\$/ { cont = substr($0, 1, length($0) - 1); next }
	{
		gsub(/[ \t]+/, " "); sub(/^ /, ""); sub(/ $/, "")
		op = toupper($1); rest = substr($0, length($1) + 2)
		line = op " " rest
		if (!from && op != "FROM") fail("the first instruction must be FROM scratch")
		if (op == "FROM") {
			if (from || rest != "scratch") fail("only one FROM scratch is supported")
			from = 1
		} else if (op == "COPY") {
			if (copy || NF != 3 || $3 !~ /^\/[^\/]/ || $3 ~ /\/$/)
				fail("one COPY of one file to an absolute path is supported")
			copy = substr($3, 2); hist(line, 0)
		} else if (op == "USER") {
			user = str(rest); hist(line, 1)
		} else if (op == "EXPOSE") {
			for (i = 2; i <= NF; i++) {
				p = $i; if (p !~ /\//) p = p "/tcp"
				if (p !~ /^[0-9]+\/(tcp|udp|sctp)$/) fail("bad port: " $i)
				ports = ports (ports == "" ? "" : ",") "\"" p "\":{}"
			}
			hist(line, 1)
		} else if (op == "STOPSIGNAL") {
			stop = str(rest); hist(line, 1)
		} else if (op == "ENTRYPOINT") {
			entry = arr(rest); hist(line, 1)
		} else if (op == "LABEL") {
			r = rest
			while (r != "") {
				if (!match(r, /^[A-Za-z0-9._-]+=("[^"\\]*"|[^ "]+)( |$)/))
					fail("LABEL takes key=\"value\" pairs: " r)
				kv = substr(r, 1, RLENGTH); r = substr(r, RLENGTH + 1)
				sub(/ $/, "", kv)
				v = substr(kv, index(kv, "=") + 1); gsub(/^"|"$/, "", v)
				label(substr(kv, 1, index(kv, "=") - 1), v)
			}
			hist(line, 1)
		} else if (op == "CMD") {
			cmd = arr(rest); hist(line, 1)
		} else if (op == "HEALTHCHECK") {
			hc = ""; hcopt["interval"] = hcopt["timeout"] = hcopt["start-period"] = hcopt["retries"] = ""
			while (match(rest, /^--[a-z-]+=[^ ]+ /)) {
				kv = substr(rest, 3, RLENGTH - 3); rest = substr(rest, RLENGTH + 1)
				k = substr(kv, 1, index(kv, "=") - 1); v = substr(kv, index(kv, "=") + 1)
				if (!(k in hcopt)) fail("unknown HEALTHCHECK option --" k)
				hcopt[k] = v
			}
			if (rest !~ /^CMD \[/) fail("HEALTHCHECK needs CMD in exec form")
			t = arr(substr(rest, 5))
			hc = "\"Test\":[\"CMD\"," substr(t, 2)
			if (hcopt["interval"] != "") hc = hc ",\"Interval\":" ns(hcopt["interval"])
			if (hcopt["timeout"] != "") hc = hc ",\"Timeout\":" ns(hcopt["timeout"])
			if (hcopt["start-period"] != "") hc = hc ",\"StartPeriod\":" ns(hcopt["start-period"])
			if (hcopt["retries"] != "") {
				if (hcopt["retries"] !~ /^[0-9]+$/) fail("bad --retries")
				hc = hc ",\"Retries\":" hcopt["retries"]
			}
			hist(line, 1)
		} else
			fail("unsupported instruction: " op)
	}
	END {
		if (bad) exit 1
		if (!copy) fail("no COPY of the binary")
		c = ""
		if (user != "") c = c ",\"User\":" user
		if (ports != "") c = c ",\"ExposedPorts\":{" ports "}"
		if (entry != "") c = c ",\"Entrypoint\":" entry
		if (cmd != "") c = c ",\"Cmd\":" cmd
		if (stop != "") c = c ",\"StopSignal\":" stop
		if (hc != "") c = c ",\"Healthcheck\":{" hc "}"
		n = split(extra, ex, " ")
		for (i = 1; i <= n; i++) {
			if (ex[i] !~ /^[A-Za-z0-9._-]+=[^"\\]*$/) fail("bad label " ex[i])
			label(substr(ex[i], 1, index(ex[i], "=") - 1), substr(ex[i], index(ex[i], "=") + 1))
		}
		for (i = 0; i < nkeys; i++)
			l = l (i ? "," : "") str(keys[i]) ":" str(labels[keys[i]])
		if (nkeys) c = c ",\"Labels\":{" l "}"
		print "{" substr(c, 2) "}"
		print "[" history "]"
		print copy
	}' "$1"
}

image() {
	[ $# -ge 5 ] || die "usage: mkimage.sh image OUT.tar DOCKERFILE BINARY PLATFORM NAME:TAG [KEY=VALUE...]"
	out=$1 df=$2 bin=$3 plat=$4
	[ -f "$bin" ] || die "no binary $bin"
	refs "$5"
	shift 5
	parsed=$(dockerfile "$df" "$*") || die "cannot use $df"
	config=$(echo "$parsed" | sed -n 1p)
	history=$(echo "$parsed" | sed -n 2p)
	path=$(echo "$parsed" | sed -n 3p)
	stage=$(mktemp -d "${TMPDIR:-/tmp}/mkimage.XXXXXX")
	trap 'rm -rf "$stage"' EXIT
	mkdir -p "$stage/blobs/sha256" "$stage/rootfs/$(dirname "$path")"
	cp "$bin" "$stage/rootfs/$path"

	# The layer, uncompressed: its digest is its diff_id.
	$TAR --mode=0755 -C "$stage/rootfs" -cf "$stage/layer" "$path"
	layer_size=$(size "$stage/layer")
	layer=$(blob "$stage/layer")
	rm -rf "$stage/rootfs"

	printf '{"created":"%s",%s,"config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":%s}' \
	    "$CREATED" "$(platform "$plat")" "$config" "$layer" "$history" \
	    >"$stage/config"
	config_size=$(size "$stage/config")
	config=$(blob "$stage/config")

	printf '{"schemaVersion":2,"mediaType":"%s.manifest.v1+json","config":{"mediaType":"%s.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"%s.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
	    "$OCI" "$OCI" "$config" "$config_size" "$OCI" "$layer" "$layer_size" \
	    >"$stage/manifest"
	manifest_size=$(size "$stage/manifest")
	manifest=$(blob "$stage/manifest")

	printf '{"imageLayoutVersion":"1.0.0"}' >"$stage/oci-layout"
	printf '{"schemaVersion":2,"mediaType":"%s.index.v1+json","manifests":[{"mediaType":"%s.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{%s},%s}]}' \
	    "$OCI" "$OCI" "$manifest" "$manifest_size" "$(platform "$plat")" \
	    "$annotations" >"$stage/index.json"
	# What `docker load` reads.
	printf '[{"Config":"blobs/sha256/%s","RepoTags":["%s:%s"],"Layers":["blobs/sha256/%s"]}]' \
	    "$config" "${full#docker.io/library/}" "$tag" "$layer" \
	    >"$stage/manifest.json"
	pack "$out"
}

index() {
	[ $# -ge 3 ] || die "usage: mkimage.sh index OUT.tar NAME:TAG IMAGE.tar..."
	out=$1
	refs "$2"
	shift 2
	stage=$(mktemp -d "${TMPDIR:-/tmp}/mkimage.XXXXXX")
	trap 'rm -rf "$stage"' EXIT
	mkdir -p "$stage/blobs/sha256" "$stage/in"
	list=""
	for t in "$@"; do
		rm -rf "$stage/in"/*
		tar -C "$stage/in" -xf "$t" index.json blobs
		# The one descriptor of each image, less its annotations.
		d=$(sed -n 's/.*"manifests":\[\({.*}\),"annotations":.*/\1}/p' \
		    "$stage/in/index.json")
		[ -n "$d" ] || die "$t: not an image from mkimage.sh image"
		list="$list${list:+,}$d"
		cp -p "$stage/in/blobs/sha256"/* "$stage/blobs/sha256/"
	done
	rm -rf "$stage/in"
	printf '{"schemaVersion":2,"mediaType":"%s.index.v1+json","manifests":[%s]}' \
	    "$OCI" "$list" >"$stage/index"
	index_size=$(size "$stage/index")
	idx=$(blob "$stage/index")
	printf '{"imageLayoutVersion":"1.0.0"}' >"$stage/oci-layout"
	printf '{"schemaVersion":2,"mediaType":"%s.index.v1+json","manifests":[{"mediaType":"%s.index.v1+json","digest":"sha256:%s","size":%s,%s}]}' \
	    "$OCI" "$OCI" "$idx" "$index_size" "$annotations" >"$stage/index.json"
	pack "$out"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
image) image "$@" ;;
index) index "$@" ;;
*) die "usage: mkimage.sh image|index ..." ;;
esac

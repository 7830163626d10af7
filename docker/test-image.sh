#!/bin/bash
# SPDX-License-Identifier: ISC
# test-image.sh NAME:TAG INDEX.tar|"" TAR=BINARY=PLATFORM...
#
# Checks each image tar that `make image` built: its layout, that every blob
# is what its name says, that the config is the Dockerfile's, that its OCI
# labels say what it is (license, version, revision, source), that it is
# the binary plus at most 16 KiB, that a second build gives the same bytes,
# and that skopeo (as oci-archive and as docker-archive) and umoci read it;
# then the multi-arch index, if there is one. IMAGE_LABELS: the labels make
# image added (KEY=VALUE ...).
set -u
cd "$(dirname "$0")/.." || exit 1
DOCKERFILE=docker/Dockerfile
name=$1 index=$2
shift 2
. docker/harness.sh
labels=${IMAGE_LABELS:?IMAGE_LABELS: the labels make image added}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/echod-image-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# What the Dockerfile says, read here independently of mkimage.sh's parser.
df_line() { sed -e ':a' -e '/\\$/{N;s/\\\n//;ba' -e '}' "$DOCKERFILE" |
	grep -E "^$1[[:space:]]" | sed -E "s/^$1[[:space:]]+//"; }
want_user=$(df_line USER)
want_entry=$(df_line ENTRYPOINT | jq -c .)
want_cmd=$(df_line CMD | jq -c .)
want_cmd=${want_cmd:-null}
want_signal=$(df_line STOPSIGNAL)
want_ports=$(df_line EXPOSE | tr ' ' '\n' | sed '/\//!s/$/\/tcp/' |
	jq -R . | jq -sc 'map({(.): {}}) | add')
hc=$(df_line HEALTHCHECK)
want_hc_test=$(echo "${hc#*CMD }" | jq -c '["CMD"] + .')
dur() { # 5s, 500ms, 1m -> nanoseconds
	echo "$hc" | grep -oE -- "--$1=[0-9]+(ms|s|m)" | sed -E 's/.*=//' |
		awk '/ms$/ { print $0 * 1000000; next } /m$/ { print $0 * 60000000000; next }
		     { print $0 * 1000000000 }'
}
want_hc=$(jq -nc --argjson t "$want_hc_test" --argjson i "$(dur interval)" \
	--argjson o "$(dur timeout)" --argjson s "$(dur start-period)" \
	--argjson r "$(echo "$hc" | grep -oE -- '--retries=[0-9]+' | cut -d= -f2)" \
	'{Test: $t, Interval: $i, Timeout: $o, StartPeriod: $s, Retries: $r}')
want_path=$(df_line COPY | awk '{ print $2 }')
want_path=${want_path#/}
echo "Dockerfile: USER $want_user, EXPOSE $want_ports, ENTRYPOINT $want_entry, HEALTHCHECK $want_hc"

# The OCI labels of config CONFIG: the license of LICENSE, the version
# echod -V reports, this checkout's revision, the source make image gave.
want_version=$(build/echod -V | cut -d' ' -f2)
want_rev=$(git rev-parse HEAD 2>/dev/null || echo unknown)
want_source=$(echo "$labels" | tr ' ' '\n' | sed -n 's/^org.opencontainers.image.source=//p')
oci_labels() { # CONFIG TAR
	local o=org.opencontainers.image
	check "$2: labels title, description, licenses, version, revision, source" \
		same "$(jq -c '.config.Labels | keys' "$1")" \
		"[\"$o.description\",\"$o.licenses\",\"$o.revision\",\"$o.source\",\"$o.title\",\"$o.version\"]"
	check "$2: licenses ISC, as LICENSE says" same \
		"$(jq -r ".config.Labels[\"$o.licenses\"]" "$1") $(grep -c 'Permission to use, copy, modify, and distribute this software for any' LICENSE)" \
		"ISC 1"
	check "$2: version $want_version (echod -V)" same \
		"$(jq -r ".config.Labels[\"$o.version\"]" "$1")" "$want_version"
	check "$2: revision $want_rev (git HEAD)" same \
		"$(jq -r ".config.Labels[\"$o.revision\"]" "$1")" "$want_rev"
	check "$2: source $want_source" same \
		"$(jq -r ".config.Labels[\"$o.source\"]" "$1")" "${want_source:-(none given)}"
}

# Unpacks TAR into DIR; checks what any image tar of ours must satisfy.
layout() {
	local t=$1 d=$2 f
	mkdir -p "$d"
	check "$t: unpacks" tar -C "$d" -xf "$t"
	check "$t: oci-layout is version 1.0.0" \
		same "$(jq -c . "$d/oci-layout")" '{"imageLayoutVersion":"1.0.0"}'
	check "$t: entries owned by 0:0, dated $(date -u -d @0 +%F)" same \
		"$(tar --numeric-owner --full-time -tvf "$t" | awk '$2 != "0/0" || $4 != "1970-01-01"')" ""
	local bad_blobs=""
	for f in "$d"/blobs/sha256/*; do
		[ "$(sha256sum <"$f" | cut -d' ' -f1)" = "${f##*/}" ] ||
			bad_blobs="$bad_blobs ${f##*/}"
	done
	check "$t: every blob's sha256 is its name" same "$bad_blobs" ""
}

for spec in "$@"; do
	IFS='=' read -r t bin plat <<<"$spec"
	d=$tmp/${t##*/}
	d=${d%.tar}
	echo "== $t ($plat, from $bin)"
	layout "$t" "$d"
	check "$t: nothing but the layout and manifest.json" same \
		"$(tar -tf "$t" | grep -vE '^blobs/(sha256/([0-9a-f]{64})?)?$' | sort | tr '\n' ' ')" \
		"index.json manifest.json oci-layout "
	check "$t: three blobs: manifest, config, layer" \
		same "$(tar -tf "$t" | grep -cE '^blobs/sha256/[0-9a-f]{64}$')" 3
	tsize=$(stat -c %s "$t") bsize=$(stat -c %s "$bin")
	check "$t: $tsize bytes <= binary $bsize + 16384" [ "$tsize" -le $((bsize + 16384)) ]

	# A second build, from another copy of the binary with another mtime,
	# in another temporary directory and under another umask.
	mkdir -p "$tmp/again"
	cp "$bin" "$tmp/again/echod" && touch -d @1234567 "$tmp/again/echod"
	# shellcheck disable=SC2086
	(umask 077 && TMPDIR=$tmp/again sh docker/mkimage.sh image \
		"$tmp/again/image.tar" "$DOCKERFILE" "$tmp/again/echod" "$plat" \
		"$name" $labels)
	check "$t: a second build is byte-identical" cmp "$t" "$tmp/again/image.tar"
	rm -rf "$tmp/again"

	# index.json -> manifest -> config and layer.
	check "$t: index.json holds one manifest" \
		same "$(jq '.manifests | length' "$d/index.json")" 1
	mdesc=$(jq -c '.manifests[0]' "$d/index.json")
	mdig=$(jq -r .digest <<<"$mdesc")
	m=$d/blobs/sha256/${mdig#sha256:}
	check "$t: manifest descriptor has the blob's size" \
		same "$(jq .size <<<"$mdesc")" "$(stat -c %s "$m")"
	want_plat=$(jq -nc --arg p "$plat" '$p | split("/") |
		{architecture: .[0], os: "linux"} + (if .[1] then {variant: .[1]} else {} end)')
	check "$t: descriptor platform is $plat" same "$(jq -c .platform <<<"$mdesc")" "$want_plat"
	check "$t: tagged ${name##*:} for umoci and $name for containerd" same \
		"$(jq -c '[.annotations["org.opencontainers.image.ref.name"], .annotations["io.containerd.image.name"]]' <<<"$mdesc")" \
		"$(jq -nc --arg n "$name" '[($n | split(":")[1]), "docker.io/library/" + $n]')"
	check "$t: manifest is an OCI image manifest with one layer" same \
		"$(jq -c '[.schemaVersion, .mediaType, .config.mediaType, (.layers | length)]' "$m")" \
		'[2,"application/vnd.oci.image.manifest.v1+json","application/vnd.oci.image.config.v1+json",1]'
	cdig=$(jq -r .config.digest "$m") ldig=$(jq -r '.layers[0].digest' "$m")
	c=$d/blobs/sha256/${cdig#sha256:} l=$d/blobs/sha256/${ldig#sha256:}
	check "$t: config and layer sizes match their blobs" same \
		"$(jq -c '[.config.size, .layers[0].size]' "$m")" \
		"[$(stat -c %s "$c"),$(stat -c %s "$l")]"
	check "$t: the layer is an uncompressed tar" same \
		"$(jq -r '.layers[0].mediaType' "$m")" application/vnd.oci.image.layer.v1.tar
	check "$t: manifest.json (docker load) names the same config, layer and tag" same \
		"$(jq -c . "$d/manifest.json")" \
		"$(jq -nc --arg c "blobs/sha256/${cdig#sha256:}" --arg l "blobs/sha256/${ldig#sha256:}" \
			--arg n "$name" '[{Config: $c, RepoTags: [$n], Layers: [$l]}]')"

	# The config: the Dockerfile's, the platform, fixed dates.
	check "$t: config platform is $plat" same \
		"$(jq -c '{architecture, os} + (if .variant then {variant} else {} end)' "$c")" "$want_plat"
	check "$t: layer digest = its diff_id (uncompressed)" same \
		"$(jq -c .rootfs "$c")" "{\"type\":\"layers\",\"diff_ids\":[\"$ldig\"]}"
	check "$t: created and every history entry dated 1970-01-01T00:00:00Z" same \
		"$(jq -c '[.created, .history[].created] | unique' "$c")" '["1970-01-01T00:00:00Z"]'
	check "$t: one history entry makes a layer" same \
		"$(jq '[.history[] | select(.empty_layer | not)] | length' "$c")" 1
	check "$t: User = Dockerfile's $want_user" same "$(jq -r .config.User "$c")" "$want_user"
	check "$t: Entrypoint = Dockerfile's" same "$(jq -c .config.Entrypoint "$c")" "$want_entry"
	check "$t: Cmd = Dockerfile's" same "$(jq -c .config.Cmd "$c")" "$want_cmd"
	check "$t: ExposedPorts = Dockerfile's" same "$(jq -c .config.ExposedPorts "$c")" "$want_ports"
	check "$t: StopSignal = Dockerfile's" same "$(jq -r .config.StopSignal "$c")" "$want_signal"
	check "$t: Healthcheck = Dockerfile's" same "$(jq -c .config.Healthcheck "$c")" "$want_hc"
	oci_labels "$c" "$t"

	# The one layer: the binary, and nothing else.
	check "$t: the layer holds only $want_path, 0755, root-owned" same \
		"$(tar --numeric-owner -tvf "$l" | awk '{ print $1, $2, $3, $6 }')" \
		"-rwxr-xr-x 0/0 $bsize $want_path"
	check "$t: that file is the binary" cmp <(tar -xOf "$l" "$want_path") "$bin"

	# skopeo, both ways in.
	for tr in oci-archive docker-archive; do
		if ! out=$(skopeo inspect "$tr:$t" 2>&1); then
			bad "$t: skopeo inspect $tr: $out"
			continue
		fi
		check "skopeo inspect $tr:$t: platform, layer" same \
			"$(jq -c '[.Architecture, .Os, .Layers]' <<<"$out")" \
			"$(jq -nc --arg p "${plat%%/*}" --arg l "$ldig" '[$p, "linux", [$l]]')"
		check "skopeo inspect --config $tr:$t: the same config" same \
			"$(skopeo inspect --config "$tr:$t" | jq -c '[.config.Entrypoint, .config.User, .created, .rootfs]')" \
			"$(jq -c '[.config.Entrypoint, .config.User, .created, .rootfs]' "$c")"
	done
	check "skopeo inspect oci-archive:$t: the manifest digest" same \
		"$(skopeo inspect oci-archive:"$t" | jq -r .Digest)" "$mdig"
	check "skopeo inspect --raw docker-archive:$t: the same config blob" same \
		"$(skopeo inspect --raw docker-archive:"$t" | jq -r .config.digest)" "$cdig"

	# umoci: stat, then unpack into a runtime bundle.
	rootless=""
	[ "$(id -u)" = 0 ] || rootless=--rootless
	check "umoci stat $t" umoci stat --image "$d:${name##*:}" >/dev/null
	if umoci unpack $rootless --image "$d:${name##*:}" "$d.bundle" >"$tmp/umoci.log" 2>&1; then
		ok "umoci unpack $t"
		check "umoci: the rootfs holds only /$want_path" same \
			"$(cd "$d.bundle/rootfs" && find . -mindepth 1 | tr '\n' ' ')" "./$want_path "
		check "umoci: /$want_path is the binary" cmp "$d.bundle/rootfs/$want_path" "$bin"
		check "umoci: runtime config runs $want_entry + $want_cmd as $want_user" same \
			"$(jq -c '[.process.args, "\(.process.user.uid):\(.process.user.gid)"]' "$d.bundle/config.json")" \
			"[$(jq -nc --argjson e "$want_entry" --argjson c "$want_cmd" '$e + ($c // [])'),\"$want_user\"]"
	else
		bad "umoci unpack $t: $(cat "$tmp/umoci.log")"
	fi
	rm -rf "$d.bundle"
done

if [ -n "$index" ]; then
	echo "== $index (multi-arch)"
	d=$tmp/index
	layout "$index" "$d"
	again=$tmp/again.tar
	tars=()
	for spec in "$@"; do tars+=("${spec%%=*}"); done
	TMPDIR=$tmp sh docker/mkimage.sh index "$again" "$name" "${tars[@]}"
	check "$index: a second build is byte-identical" cmp "$index" "$again"
	idig=$(jq -r '.manifests[0].digest' "$d/index.json")
	i=$d/blobs/sha256/${idig#sha256:}
	check "$index: index.json points at an image index, tagged ${name##*:}" same \
		"$(jq -c '[(.manifests | length), .manifests[0].mediaType, .manifests[0].annotations["org.opencontainers.image.ref.name"]]' "$d/index.json")" \
		"[1,\"application/vnd.oci.image.index.v1+json\",\"${name##*:}\"]"
	check "skopeo inspect --raw oci-archive:$index: the image index" same \
		"$(skopeo inspect --raw "oci-archive:$index" | jq -c .)" "$(jq -c . "$i")"
	for spec in "$@"; do
		IFS='=' read -r t bin plat <<<"$spec"
		want=$(tar -xOf "$t" index.json | jq -c '.manifests[0] | del(.annotations)')
		check "$index: lists $t's manifest for $plat" same \
			"$(jq -c --arg a "${plat%%/*}" --arg v "${plat#*/}" \
				'.manifests[] | select(.platform.architecture == $a and
				 ((.platform.variant // $a) == $v))' "$i")" "$want"
		o=(--override-os linux --override-arch "${plat%%/*}")
		[ "$plat" != "${plat#*/}" ] && o+=(--override-variant "${plat#*/}")
		# skopeo reports the index's digest; the layer tells the images apart.
		lay=$(tar -xOf "$t" manifest.json | jq -c '[.[0].Layers[] | sub("^blobs/sha256/"; "sha256:")]')
		check "skopeo inspect ${o[*]} oci-archive:$index: $t's layer" same \
			"$(skopeo inspect "${o[@]}" "oci-archive:$index" | jq -c '[.Architecture, .Layers]')" \
			"[\"${plat%%/*}\",$lay]"
	done
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

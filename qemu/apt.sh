# SPDX-License-Identifier: ISC
# shellcheck shell=sh
# A private apt state under build/apt: its own sources list (bookworm main
# only, binary and source), lists, cache and an empty dpkg status, so that
# packages of any architecture can be fetched with `apt-get download` and
# unpacked with `dpkg -x` without touching the machine's dpkg architectures.
# Sourced by toolchain.sh and kernel.sh; TOP must be set.

APT_DIR="$TOP/build/apt"
DEB_DIR="$APT_DIR/debs"
APT_MIRROR="${APT_MIRROR:-http://deb.debian.org/debian}"
APT_SUITE="${APT_SUITE:-bookworm}"
APT_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

# apt_init takes a lock (parallel make) that apt_release gives back.
apt_init() {
	mkdir -p "$APT_DIR/etc/parts" "$APT_DIR/lists/partial" \
	    "$APT_DIR/cache/archives/partial" "$DEB_DIR" || return 1
	exec 9>"$APT_DIR/lock" && flock 9 || return 1
	[ -r "$APT_KEYRING" ] || {
		echo "apt: $APT_KEYRING missing (package debian-archive-keyring)" >&2
		return 1
	}
	cat >"$APT_DIR/etc/sources.list" <<EOF
deb [signed-by=$APT_KEYRING] $APT_MIRROR $APT_SUITE main
deb-src [signed-by=$APT_KEYRING] $APT_MIRROR $APT_SUITE main
EOF
	cat >"$APT_DIR/etc/apt.conf" <<EOF
Dir::Etc::SourceList "$APT_DIR/etc/sources.list";
Dir::Etc::SourceParts "$APT_DIR/etc/parts";
Dir::Etc::Preferences "$APT_DIR/etc/preferences";
Dir::Etc::PreferencesParts "$APT_DIR/etc/parts";
Dir::State "$APT_DIR";
Dir::State::Lists "$APT_DIR/lists";
Dir::State::status "$APT_DIR/status";
Dir::Cache "$APT_DIR/cache";
APT::Architecture "amd64";
APT::Architectures { "amd64"; "arm64"; "armhf"; "armel"; "mipsel"; };
APT::Sandbox::User "root";
Acquire::Languages "none";
EOF
	: >>"$APT_DIR/status"
	export APT_CONFIG="$APT_DIR/etc/apt.conf"
	[ -f "$APT_DIR/updated" ] || apt_update
}

apt_release() {
	exec 9>&-
}

apt_update() {
	echo "apt: updating the private package lists in build/apt ($APT_SUITE main)"
	apt-get -q update >"$APT_DIR/update.log" 2>&1 || {
		cat "$APT_DIR/update.log" >&2
		echo "apt: apt-get update failed" >&2
		return 1
	}
	: >"$APT_DIR/updated"
}

# apt_fetch NAME:ARCH -> prints the path of the cached .deb. Lists older
# than a point release name files that are gone: update once and retry.
apt_fetch() {
	_f=$(apt_filename "$1") && [ -s "$DEB_DIR/$_f" ] && {
		echo "$DEB_DIR/$_f"
		return 0
	}
	_tries=1
	while :; do
		if _f=$(apt_filename "$1") &&
		    (cd "$DEB_DIR" && apt-get -q download "$1") \
		    >"$APT_DIR/download.log" 2>&1 && [ -s "$DEB_DIR/$_f" ]; then
			echo "$DEB_DIR/$_f"
			return 0
		fi
		[ $_tries -eq 0 ] && break
		_tries=0
		apt_update || return 1
	done
	cat "$APT_DIR/download.log" >&2
	echo "apt: cannot download $1" >&2
	return 1
}

apt_filename() {
	_p=$(apt-cache show --no-all-versions "$1" 2>/dev/null |
	    sed -n 's/^Filename: //p' | head -n 1)
	[ -n "$_p" ] || { echo "apt: no package $1 in the lists" >&2; return 1; }
	# apt-get download writes the epoch's colon as %3a.
	basename "$_p" | sed 's/:/%3a/g'
}

# apt_depends NAME:ARCH PREFIX -> the first dependency starting with PREFIX.
apt_depends() {
	apt-cache show --no-all-versions "$1" 2>/dev/null |
	    sed -n 's/^Depends: //p' | tr ',' '\n' |
	    sed -n "s/^ *\\($2[^ ]*\\).*/\\1/p" | head -n 1
}

#!/bin/sh
# SPDX-License-Identifier: ISC
# Install the Debian packages named as arguments that are not installed yet,
# as root or through sudo. Quiet when there is nothing to do.
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "setup: installing:$missing"
if [ "$(id -u)" = 0 ]; then
	as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	as_root="sudo"
else
	echo "setup: these Debian packages are missing:$missing" >&2
	echo "setup: run as root, or install them: sudo apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$as_root apt-get update -qq || exit 1
# shellcheck disable=SC2086
$as_root apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
	{ echo "setup: apt-get install$missing failed" >&2; exit 1; }

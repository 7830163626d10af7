#!/bin/sh
# SPDX-License-Identifier: ISC
# deploy.sh: the deployment examples of src/echod.8 and README.md, taken
# from there and run for real, in a network and mount namespace of their
# own (root only: port 7, chroot, setuid).
#   - each example is the same in both files;
#   - the systemd units pass `systemd-analyze verify` against the binary
#     and man page `make install` put at the paths they name, and their
#     ExecStart runs under systemd-socket-activate (TCP, then UDP) with
#     the directory RuntimeDirectory= makes: it echoes, as uid 65534,
#     chrooted there, and exits 0 on SIGTERM;
#   - the procd script passes `sh -n`; its start_service, run with procd's
#     functions stubbed, asks for respawn and stderr to logd, and the
#     command it gives echoes TCP and UDP as uid 65534 in its chroot;
#   - the inittab line respawns, and its command echoes TCP and UDP;
#   - every client command of both files gives the output they show.
set -u
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ]; then
	echo "SKIP deploy.sh: needs root (namespaces, port 7, chroot)"
	finish
	exit
fi
if [ "${DEPLOY_NS:-}" != 1 ]; then
	exec unshare -n -m env DEPLOY_NS=1 sh "$0" "$@"
fi
ip link set lo up
# The router example's address, and a private /run (/var/run).
ip addr add 192.168.1.1/32 dev lo
mount -t tmpfs tmpfs /run
workdir deploy
man="$TOP/src/echod.8" readme="$TOP/README.md"
# Servers still running at the end, stopped then.
pids=""
trap 'kill $pids 2>/dev/null' EXIT

# block FILE FIRST-LINE: the example that starts with that line: an
# indented block of the README, or a .Bd display of the man page (its
# escapes undone).
block() {
	FIRST=$2 awk -v man="$(case $1 in *.8) echo 1 ;; esac)" '
	BEGIN { first = ENVIRON["FIRST"] }
	man && !on && prev ~ /^\.Bd / && $0 == first { on = 1 }
	man && on && /^\.Ed/ { exit }
	!man && !on && $0 == "    " first { on = 1 }
	!man && on && $0 != "" && !/^    / { exit }
	on { if (man) { gsub(/\\e/, "\\"); gsub(/\\&/, "") } else sub(/^    /, "")
	     out = out $0 "\n" }
	{ prev = $0 }
	END { sub(/\n+$/, "", out); print out }' "$1"
}
# example NAME FIRST-LINE: W/NAME from the man page, the same in README.
example() {
	block "$man" "$2" >"$W/$1"
	block "$readme" "$2" >"$W/$1.readme"
	check "$1: in the man page" test "$(wc -l <"$W/$1")" -gt 1
	check "$1: the same in README.md" cmp -s "$W/$1" "$W/$1.readme" ||
		diff "$W/$1" "$W/$1.readme" | sed 's/^/    /'
}
example echod.socket '# /etc/systemd/system/echod.socket'
example echod.service '# /etc/systemd/system/echod.service'
example echod.init '#!/bin/sh /etc/rc.common'
example inittab '# /etc/inittab'

# ADDR: TCP and UDP echo, a few tries while a server starts.
tries() {
	i=0
	while ! "$@" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 20 ] || return 1
		sleep 0.5
	done
}
tcp_echoes() {
	tries echoes "$1"
}
udp_echo() {
	test "$(printf 'ping\n' | timeout 10 socat -t 2 - "UDP:$1")" = ping
}
udp_echoes() {
	tries udp_echo "$1"
}
# PID UID ROOT: the process runs as UID, chrooted into ROOT.
confined() {
	grep -q "^Uid:	$2	$2	$2	$2" "/proc/$1/status" &&
	    test "$(readlink "/proc/$1/root")" = "$3"
}
# NAME PID ROOT PROTOS: the checks of a started server, then SIGTERM.
serving() {
	for p in $4; do
		check "$1: echoes over $p" "${p}_echoes" 127.0.0.1:7
	done
	check "$1: runs as 65534 in $3" confined "$2" 65534 "$3"
	kill "$2"
	wait "$2"
	check "$1: exits 0 on SIGTERM" test $? -eq 0
}

# systemd: the binary and man page where make install puts them.
root="$W/root"
check "make install" make -C "$TOP" --no-print-directory install \
	DESTDIR="$root" >"$W/install.log" 2>&1
exec_start=$(sed -n 's/^ExecStart=//p' "$W/echod.service")
bin=${exec_start%% *}
check "ExecStart runs $bin, where make install puts echod" \
	test -x "$root$bin"
mount --bind "$root$(dirname "$bin")" "$(dirname "$bin")"
verify() {
	MANPATH="$root/usr/local/share/man" systemd-analyze verify \
	    "$W/echod.socket" "$W/echod.service" >"$W/verify.log" 2>&1 &&
	    test ! -s "$W/verify.log"
}
check "systemd-analyze verify echod.socket echod.service" verify ||
	sed 's/^/    /' "$W/verify.log"
rt="$W/run/echod"
mkdir -p -m 0755 "$rt"
cmd=$(echo "$exec_start" | sed "s|\${RUNTIME_DIRECTORY}|$rt|g")
stream=$(sed -n 's/^ListenStream=//p' "$W/echod.socket")
dgram=$(sed -n 's/^ListenDatagram=//p' "$W/echod.socket")
check "the units listen on port 7" test "$stream $dgram" = "7 7"
# shellcheck disable=SC2086
systemd-socket-activate -l "$stream" $cmd 2>"$W/tcp.log" &
pid=$!
serving "systemd ExecStart, TCP" "$pid" "$rt" tcp
# shellcheck disable=SC2086
systemd-socket-activate -d -l "$dgram" $cmd 2>"$W/udp.log" &
pid=$!
serving "systemd ExecStart, UDP" "$pid" "$rt" udp

# procd: its functions stubbed, start_service gives the instance.
check "procd script: sh -n" sh -n "$W/echod.init"
instance() {
	(
	procd_open_instance() { :; }
	procd_close_instance() { :; }
	procd_set_param() {
		k=$1
		shift
		echo "$k $*"
	}
	. "$W/echod.init"
	start_service
	)
}
instance >"$W/procd.params" 2>&1
check "procd: respawn" grep -q '^respawn' "$W/procd.params"
check "procd: stderr to logd" grep -qx 'stderr 1' "$W/procd.params"
cmd=$(sed -n 's/^command //p' "$W/procd.params")
check "procd: the command is /usr/sbin/echod" test "${cmd%% *}" = /usr/sbin/echod
# shellcheck disable=SC2086
"$root/usr/local/sbin/echod" ${cmd#* } 2>"$W/procd.log" &
serving "procd command" $! /run/echod "tcp udp"

line=$(grep -v '^#' "$W/inittab")
check "inittab: id:runlevels:respawn:process" \
	eval 'echo "$line" | grep -Eq "^[^:]*:[^:]*:respawn:/"'
cmd=${line#*:*:respawn:}
# shellcheck disable=SC2086
"$root/usr/local/sbin/echod" ${cmd#* } 2>"$W/inittab.log" &
serving "inittab command" $! / "tcp udp"

# Clients: each "$ command" gives the lines under it.
clients() {
	awk '/^\$ / { if (n++) print ""; print substr($0, 3); next }
	     { print "\t" $0 }' "$1" | while IFS= read -r c; do
		[ -n "$c" ] || continue
		want=""
		while IFS= read -r w && [ -n "$w" ]; do
			want="$want${want:+
}${w#?}"
		done
		got=$(cd "$TOP" && PATH="$root/usr/local/sbin:$PATH" \
		    timeout 10 sh -c "$c" 2>&1)
		check "$2: $c" test "$got" = "$want"
	done
}
"$TOP/build/echod" -p 8000 -q &
pids="$pids $!"
block "$readme" "\$ printf 'hello\\n' | nc -N 127.0.0.1 8000" >"$W/quick"
check "README: quick start clients" test "$(wc -l <"$W/quick")" -gt 1
clients "$W/quick" README
block "$man" "mkdir -p /var/run/echod" >"$W/router"
check "man page: the router example" test "$(wc -l <"$W/router")" -eq 2
eval "$(sed -n 1p "$W/router")"
eval "PATH=\"\$root/usr/local/sbin:\$PATH\" $(sed -n 2p "$W/router") 2>\"\$W/router.log\" &"
pids="$pids $!"
block "$man" "\$ printf 'hello\\en' | nc -N 192.168.1.1 7" >"$W/router-clients"
check "man page: the router's clients" \
	test "$(wc -l <"$W/router-clients")" -gt 1
tcp_echoes 192.168.1.1:7
clients "$W/router-clients" "echod.8"
finish

#!/bin/sh
# SPDX-License-Identifier: ISC
# boot-test.sh [ARCH...]: boot each architecture's Debian kernel under
# qemu-system (TCG) with build/ARCH/initramfs.cpio, whose /init runs the
# integration tests inside the guest over 127.0.0.1 and ::1 and powers off.
# For the archs in QEMU_OUTSIDE the guest also gets a virtio NIC on QEMU's
# user network with hostfwd=tcp:127.0.0.1:<free port>-:GUEST_PORT; once the
# guest says READY, the host's build/itest -r tests the guest's echod from
# outside, then a line "q" on the console makes the guest stop echod (which
# must exit 0) and power off.
# Prints "PASS <arch> <boot-to-pass seconds> (...)" or "FAIL <arch>: why"
# per arch, then "N passed, N failed"; exit status 0 iff all passed.
# Consoles: build/qemu/<arch>.log; the host's client: <arch>.outside.log.
#
# boot-test.sh -r ARCH [PORT]: boot one guest interactively, echod serving
# on host port 127.0.0.1:PORT (default 8000), forwarded to the guest.
#
# Environment: QEMU_JOBS (guests at once, default 4), QEMU_TIMEOUT (seconds
# per boot, default 240), QEMU_FACTOR (itest -T, default 3),
# QEMU_OUTSIDE (default: all four), QEMU_MEM (MiB, default 256),
# QEMU_ONLY (run only the suite's cases whose name has this, itest -s).
set -u
# shellcheck source=qemu/lib.sh
. "$(dirname "$0")/lib.sh"

JOBS=${QEMU_JOBS:-4}
TIMEOUT=${QEMU_TIMEOUT:-240}
FACTOR=${QEMU_FACTOR:-3}
OUTSIDE=${QEMU_OUTSIDE-x86_64 aarch64 armhf mipsel}
MEM=${QEMU_MEM:-256}
ONLY=${QEMU_ONLY:-}
GUEST_PORT=8000

past() { awk -v d="$1" -v t="$(now)" 'BEGIN { exit !(t > d) }'; }
# A port for the host side of the forward; QEMU says so if it is taken.
rand_port() {
	echo $((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
}

# qemu_boot ARCH NETARGS APPEND: exec qemu-system (in a background
# subshell, $! is then QEMU's pid).
qemu_boot() {
	arch_vars "$1" || exit 1
	k="$TOP/build/kernels/$1"
	# shellcheck disable=SC2086
	exec $QSYS $QMACH -m "$MEM" -accel tcg -nographic -no-reboot $2 \
	    -kernel "$k/vmlinuz" -initrd "$TOP/build/$1/initramfs.cpio" \
	    -append "console=$CONSOLE quiet panic=-1 $3"
}

# netargs ARCH HOSTPORT: a virtio NIC with the forward; ROM-less on PCI.
netargs() {
	arch_vars "$1" || return 1
	fwd="hostfwd=tcp:127.0.0.1:$2-:$GUEST_PORT"
	[ -z "${3:-}" ] || fwd="$fwd,hostfwd=udp:127.0.0.1:$2-:$GUEST_PORT"
	dev="$NIC,netdev=n0"
	[ "$NIC" != virtio-net-pci ] || dev="$dev,romfile="
	echo "-netdev user,id=n0,$fwd -device $dev"
}

# outside_test HOSTPORT SECONDS LOG: the host's itest -r against the guest
# through the forward: every data case but many-clients. QEMU's user network
# accepts forwarded connections from a listen backlog of 1, so 300 quick
# sequential connects lose SYNs and wait out 1 s retransmits (about 2 min).
# many-clients still runs inside the guest, in the suite and with -r.
outside_test() {
	timeout "$2" "$TOP/build/itest" -T "$FACTOR" -x many-clients \
	    -r "127.0.0.1:$1" >"$3" 2>&1
}

last_line() {
	tr -d '\r' <"$1" | grep -v '^$' | tail -n 1 | cut -c 1-160
}

# from_host: once the guest is READY, the host's itest against it through
# the forward; then "q" on the guest's console.
from_host() {
	left=$(awk -v d="$deadline" -v t="$(now)" 'BEGIN { n = int(d - t); if (n < 1) n = 1; print n }')
	if outside_test "$hp" "$left" "$olog"; then
		outside=$(tail -n 1 "$olog")
	else
		outside=FAIL
		why="from the host via 127.0.0.1:$hp: $(grep -m 1 -E '^FAIL|usage|rror' "$olog" || last_line "$olog")"
	fi
	echo q >&3
}

# watch: while QEMU runs, note when /init started and when the in-guest
# tests passed, test from the host when the guest is READY; at the
# deadline, kill QEMU.
watch() {
	while kill -0 "$qpid" 2>/dev/null; do
		if [ -z "$t_init" ] && grep -q 'echod-init: started' "$log"; then
			t_init=$(since "$start")
		fi
		if [ -z "$t_pass" ] && grep -q 'echod-init: in-guest tests PASS' "$log"; then
			t_pass=$(since "$start")
		fi
		if [ "$out" = 1 ] && [ -z "$outside" ] &&
		    grep -q 'echod-init: READY' "$log"; then
			from_host
		fi
		if past "$deadline"; then
			why="timeout after $TIMEOUT s; last console line: $(last_line "$log")"
			kill "$qpid" 2>/dev/null
			return
		fi
		sleep 0.1
	done
}

# boot_once: one boot of $arch, forwarded from a random host port; sets
# qrc, QEMU's exit status, and what watch saw.
boot_once() {
	hp=$(rand_port)
	if [ "$out" = 1 ]; then
		net=$(netargs "$arch" "$hp")
	else
		net="-net none"
	fi
	rm -f "$fifo"
	mkfifo "$fifo" || return 1
	# The fifo is QEMU's console input: the "q" that ends serving.
	start=$(now)
	qemu_boot "$arch" "$net" "echod_mode=$mode echod_port=$GUEST_PORT echod_factor=$FACTOR echod_net=$out${ONLY:+ echod_only=$ONLY}" \
	    <"$fifo" >"$log" 2>&1 &
	qpid=$!
	exec 3>"$fifo"
	deadline=$(awk -v s="$start" -v t="$TIMEOUT" 'BEGIN { printf "%.3f", s + t }')
	t_pass="" t_init="" outside="" why=""
	watch
	wait "$qpid"
	qrc=$?
	exec 3>&-
	rm -f "$fifo"
}

# verdict: the PASS or FAIL line of the boot.
verdict() {
	[ -n "$t_pass" ] || t_pass=$(grep -q 'echod-init: in-guest tests PASS' "$log" && since "$start")
	result=$(tr -d '\r' <"$log" | sed -n 's/^echod-init: RESULT //p' | tail -n 1)
	if [ -z "$why" ]; then
		case "$result" in
		PASS) ;;
		"") why="QEMU exited ($qrc) with no result; last console line: $(last_line "$log")" ;;
		*) why="${result#FAIL: }" ;;
		esac
	fi
	[ -n "$why" ] || [ "$qrc" -eq 0 ] || why="QEMU exit status $qrc after the guest passed"
	[ -n "$why" ] || [ -n "$t_pass" ] || why="no in-guest PASS line"
	if [ -n "$why" ]; then
		echo "FAIL $arch: $why"
	elif [ "$out" = 1 ]; then
		echo "PASS $arch $t_pass (init at ${t_init:-?} s; from the host: $outside)"
	else
		echo "PASS $arch $t_pass (init at ${t_init:-?} s)"
	fi
}

# run_one ARCH: boot it (again if QEMU could not bind the random host
# port); writes build/qemu/ARCH.result.
run_one() {
	arch=$1
	log="$OUT/$arch.log" res="$OUT/$arch.result" fifo="$OUT/$arch.in"
	olog="$OUT/$arch.outside.log"
	rm -f "$res" "$olog"
	arch_vars "$arch" || { echo "FAIL $arch: unknown arch" >"$res"; return; }
	[ -n "$FLAVOUR" ] || {
		echo "FAIL $arch: no kernel for $arch (qemu-user only)" >"$res"
		return
	}
	out=0 mode=test
	case " $OUTSIDE " in *" $arch "*) out=1 mode=both ;; esac
	tries=0
	while :; do
		boot_once || { echo "FAIL $arch: mkfifo" >"$res"; return; }
		if [ $tries -ge 5 ] ||
		    ! grep -q 'Could not set up host forwarding rule' "$log"; then
			break
		fi
		tries=$((tries + 1))
	done
	verdict >"$res"
}

run_interactive() {
	arch=$1 port=$2
	arch_vars "$arch" || exit 2
	[ -n "$FLAVOUR" ] || { echo "no kernel for $arch" >&2; exit 2; }
	GUEST_PORT=$port
	net=$(netargs "$arch" "$port" udp)
	echo "qemu-run: $arch guest, echod on 10.0.2.15:$port, forwarded from" \
	    "127.0.0.1:$port (tcp and udp)."
	echo "qemu-run: try: build/itest -x many-clients -r 127.0.0.1:$port, or" \
	    "build/echod -P 127.0.0.1:$port; a line 'q' powers the guest off," \
	    "Ctrl-A x kills QEMU."
	qemu_boot "$arch" "$net" \
	    "echod_mode=serve echod_port=$port echod_net=1 echod_udp=1"
}

if [ "${1:-}" = -r ]; then
	run_interactive "${2:?usage: boot-test.sh -r ARCH [PORT]}" "${3:-8000}"
fi

[ $# -gt 0 ] || set -- x86_64 aarch64 armhf mipsel
mkdir -p "$OUT"
[ -x "$TOP/build/itest" ] || { echo "boot-test: build/itest missing" >&2; exit 2; }
t0=$(now)
run_jobs "$JOBS" run_one "$@"
echo "boot tests took $(since "$t0") s; consoles in build/qemu/"
tally "" "$@"

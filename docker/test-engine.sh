#!/bin/bash
# SPDX-License-Identifier: ISC
# test-engine.sh IMAGE.tar ECHOD ITEST NAME:TAG
#
# Runs the image that `make image` built in a real Docker engine and in the
# containerd under it, both private to this test: their own root, state,
# sockets and pid file in a temporary directory, and a dockerd that makes no
# bridge, no iptables rules and no forwarding changes, so the host's network
# is left as it was (the test checks that it is). containerd is the one the
# docker.io package brings, started here with its own configuration; dockerd
# uses it and the test also drives it directly with ctr.
#
# Docker: load the tar, compare with the image the engine builds from the
# Dockerfile itself, run it with --network host, echo tests on 127.0.0.1 and
# ::1, health check to `healthy`, a second container whose health check must
# fail, `docker stop` to exit status 0 within 2 s. containerd: import the
# same tar, run it in a network namespace of the test's own, echo tests,
# SIGTERM to exit status 0. Then everything is removed, also on failure.
#
# Needs root; prints a SKIP line otherwise.
set -u
cd "$(dirname "$0")/.." || exit 1
[ $# -eq 4 ] || { echo "usage: test-engine.sh IMAGE.tar ECHOD ITEST NAME:TAG" >&2; exit 2; }
tar=$(realpath "$1") echod=$(realpath "$2") itest=$(realpath "$3") name=$4
PORT=8000
METRICS=9100	# the Dockerfile's CMD: -M 9100
DOCKER=/usr/bin/docker # the client that comes with this dockerd

if [ "$(id -u)" != 0 ]; then
	echo "SKIP test-engine: dockerd and containerd need root"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi

. docker/harness.sh

for b in dockerd containerd ctr runc "$DOCKER" nsenter unshare; do
	command -v "$b" >/dev/null || { bad "no $b: run make setup"; finish; }
done

S=$(mktemp -d "${TMPDIR:-/tmp}/echod-engine.XXXXXX") || exit 1
chmod 0711 "$S"
tag=echod-test-$$            # container names, containerd namespace
ns=$tag
dockerd_pid="" containerd_pid="" holder_pid="" ctr_run_pid=""
had_run_containerd=$([ -e /run/containerd ] && echo 1)
export DOCKER_CONFIG=$S/client # the client writes nothing under ~
unset DOCKER_HOST DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH
dk() { "$DOCKER" -H "unix://$S/docker.sock" "$@"; }
kctr() { ctr -a "$S/containerd.sock" -n "$ns" "$@"; }

# stop_pid PID: SIGTERM, up to 20 s, then SIGKILL. Our own children only.
stop_pid() {
	kill -TERM "$1" 2>/dev/null || return 0
	for _ in $(seq 200); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}
mounts_under() { awk -v s="$S/" 'index($2, s) == 1 { print $2 }' /proc/self/mounts; }
cleaned=""
cleanup() {
	[ -n "$cleaned" ] && return
	cleaned=1
	if [ -n "$dockerd_pid" ] && kill -0 "$dockerd_pid" 2>/dev/null; then
		dk rm -f "$tag" "$tag-bad" >/dev/null 2>&1
		dk rmi -f "$name" "$tag-built" >/dev/null 2>&1
	fi
	if [ -n "$containerd_pid" ] && kill -0 "$containerd_pid" 2>/dev/null; then
		kctr task kill -s SIGKILL "$tag" >/dev/null 2>&1
		[ -n "$ctr_run_pid" ] && wait "$ctr_run_pid" 2>/dev/null
		kctr container rm "$tag" >/dev/null 2>&1
		kctr images rm "docker.io/library/$name" >/dev/null 2>&1
	fi
	[ -n "$ctr_run_pid" ] && stop_pid "$ctr_run_pid"
	[ -n "$holder_pid" ] && stop_pid "$holder_pid"
	[ -n "$dockerd_pid" ] && stop_pid "$dockerd_pid"
	[ -n "$containerd_pid" ] && stop_pid "$containerd_pid"
	# dockerd leaves its netns bind mounts, overlay mounts if killed.
	mounts_under | sort -r | xargs -r -n1 umount -l 2>/dev/null
	if [ -z "$(mounts_under)" ]; then
		rm -rf "$S"
	else
		echo "WARNING: mounts left under $S; not removed:" && mounts_under
	fi
	# The shim's socket directory is fixed at /run/containerd/s.
	if [ -z "$had_run_containerd" ]; then
		rmdir /run/containerd/s /run/containerd 2>/dev/null
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# The host's network before: links, forwarding, firewall chains.
links() { ip -o link show | awk -F': ' '{ print $2 }' | sed 's/@.*//' | sort | tr '\n' ' '; }
firewall() { { iptables -S; iptables -t nat -S; ip6tables -S; ip6tables -t nat -S; } 2>/dev/null | grep -ci docker; }
links0=$(links)
fwd0=$(cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/all/forwarding | tr '\n' ' ')
host_net_unchanged() {
	same "$(links)" "$links0" && same "$(cat /proc/sys/net/ipv4/ip_forward \
		/proc/sys/net/ipv6/conf/all/forwarding | tr '\n' ' ')" "$fwd0" &&
		same "$(firewall)" 0
}

# containerd: its own root, state, sockets and opt directory, no CRI.
mkdir -p "$S/containerd" "$S/client"
cat >"$S/containerd.toml" <<EOF
version = 2
root = "$S/containerd/root"
state = "$S/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$S/containerd.sock"
[ttrpc]
  address = "$S/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$S/containerd/opt"
EOF
t0=$(now_ms)
containerd --config "$S/containerd.toml" --log-level warn >"$S/containerd.log" 2>&1 &
containerd_pid=$!
for _ in $(seq 300); do
	ctr -a "$S/containerd.sock" version >/dev/null 2>&1 && break
	sleep 0.1
done
if ctr -a "$S/containerd.sock" version >/dev/null 2>&1; then
	ok "containerd $(containerd --version | awk '{ print $3 }') up on its own socket in $(($(now_ms) - t0)) ms"
else
	bad "containerd did not start:"
	cat "$S/containerd.log"
	finish
fi

# dockerd: its own everything, and no networking of its own on the host.
printf '{"deprecated-key-path": "%s/key.json"}\n' "$S" >"$S/daemon.json"
t0=$(now_ms)
dockerd --data-root "$S/data" --exec-root "$S/exec" \
	-H "unix://$S/docker.sock" --pidfile "$S/docker.pid" \
	--config-file "$S/daemon.json" --containerd "$S/containerd.sock" \
	--bridge=none --iptables=false --ip6tables=false --ip-forward=false \
	--ip-masq=false --log-level warn >"$S/dockerd.log" 2>&1 &
dockerd_pid=$!
for _ in $(seq 300); do
	dk version >/dev/null 2>&1 && break
	kill -0 "$dockerd_pid" 2>/dev/null || break
	sleep 0.1
done
if dk version >/dev/null 2>&1; then
	ok "dockerd $(dk version -f '{{.Server.Version}}') up in $(($(now_ms) - t0)) ms"
else
	bad "dockerd did not start:"
	cat "$S/dockerd.log"
	finish
fi
check "dockerd's pid file is the process we started" same "$(cat "$S/docker.pid")" "$dockerd_pid"
check "docker: only the host and none networks, no bridge" \
	same "$(dk network ls --format '{{.Name}}' | sort | tr '\n' ' ')" "host none "
check "host network untouched by dockerd (links, forwarding, no DOCKER chains)" host_net_unchanged

# Load the tar; the image ID is the config's digest.
cfg=$(tar -xOf "$tar" manifest.json | jq -r '.[0].Config')
layer=$(tar -xOf "$tar" manifest.json | jq -r '.[0].Layers[0]')
out=$(dk load -i "$tar" 2>&1)
check "docker load: $out" same "$out" "Loaded image: $name"
check "image ID = config digest ${cfg#blobs/sha256/}" \
	same "$(dk image inspect -f '{{.Id}}' "$name")" "sha256:${cfg#blobs/sha256/}"
check "image: one layer, the binary's size" same \
	"$(dk image inspect -f '{{json .RootFS.Layers}} {{.Size}}' "$name")" \
	"[\"sha256:${layer#blobs/sha256/}\"] $(stat -c %s "$echod")"

# The engine's own build of the Dockerfile must give the same config.
mkdir -p "$S/ctx"
cp "$echod" "$S/ctx/echod"
# The labels make image adds, given the way docker build takes them.
build_labels=()
for l in ${IMAGE_LABELS:-}; do build_labels+=(--label "$l"); done
if DOCKER_BUILDKIT=0 dk build -q -f docker/Dockerfile "${build_labels[@]}" \
	-t "$tag-built" "$S/ctx" >"$S/build.log" 2>&1; then
	ok "docker build -f docker/Dockerfile (the engine's own builder)"
	# The builder adds a default PATH and its parent image ID; a scratch
	# image with one static binary needs neither (runtimes set PATH).
	q='.[0] | {Architecture, Os, Config: (.Config | del(.Env, .Image))}'
	check "docker build and make image give the same config" same \
		"$(dk image inspect "$tag-built" | jq -c "$q")" \
		"$(dk image inspect "$name" | jq -c "$q")"
	mkdir -p "$S/saved"
	dk save "$tag-built" | tar -C "$S/saved" -xf -
	l=$(jq -r '.[0].Layers[0]' "$S/saved/manifest.json")
	check "docker build's layer: the same one file, the same bytes" same \
		"$(tar -tf "$S/saved/$l"; tar -xOf "$S/saved/$l" echod | sha256sum)" \
		"$(tar -xOf "$tar" "$layer" | tar -tf -; sha256sum <"$echod")"
	dk rmi "$tag-built" >/dev/null
else
	bad "docker build -f docker/Dockerfile:"
	cat "$S/build.log"
fi

# Run it. The host's port 8000 may be taken on a shared machine: then the
# container gets a network namespace of its own (--network none) and the
# clients join it.
netopt=(--network host)
if [ -z "$(ss -Hltn "sport = :$PORT or sport = :$METRICS")" ]; then
	net=host
else
	net=none
	# Docker turns IPv6 off in a namespace without an IPv6 network.
	netopt=(--network none --sysctl net.ipv6.conf.all.disable_ipv6=0
		--sysctl net.ipv6.conf.lo.disable_ipv6=0)
	echo "note: port $PORT or $METRICS is in use on this host; running with --network none"
fi
cpid=""
in_net() { if [ $net = host ]; then "$@"; else nsenter -t "$cpid" -n "$@"; fi; }
t0=$(now_ms)
dk run -d --name "$tag" "${netopt[@]}" "$name" >/dev/null
for _ in $(seq 500); do
	cpid=$(dk inspect -f '{{.State.Pid}}' "$tag" 2>/dev/null)
	[ -n "$cpid" ] && [ "$cpid" != 0 ] &&
		in_net "$echod" -P 127.0.0.1:$PORT 2>/dev/null && break
	sleep 0.01
done
t_serving=$(($(now_ms) - t0))
if in_net "$echod" -P 127.0.0.1:$PORT 2>/dev/null; then
	ok "docker run --network $net: serving $t_serving ms after docker run"
else
	bad "docker run --network $net: not serving after 5 s"
	dk logs "$tag"
	finish
fi
check "start line: listening on [::]:$PORT" \
	eval "dk logs $tag 2>&1 | grep -q '^echod: listening on \[::\]:$PORT tcp'"
check "echod is the container's PID 1" \
	same "$(awk '/^NSpid:/ { print $NF }' /proc/$cpid/status)" 1
check "echod runs as 65534:65534" same \
	"$(awk '/^Uid:|^Gid:/ { print $2 }' /proc/$cpid/status | tr '\n' ' ')" "65534 65534 "
if in_net "$itest" -r 127.0.0.1:$PORT -r "[::1]:$PORT" >"$S/itest.log" 2>&1; then
	ok "itest -r 127.0.0.1:$PORT -r [::1]:$PORT: $(tail -1 "$S/itest.log")"
else
	bad "itest -r 127.0.0.1:$PORT -r [::1]:$PORT:"
	sed 's/^/     /' "$S/itest.log"
fi
check "docker exec: the image's probe over ::1" dk exec "$tag" /echod -P "[::1]:$PORT"
# The image's CMD serves Prometheus metrics on $METRICS.
check "metrics: GET /metrics on $METRICS answers 200 with echod_accepted_total" \
	in_net bash -c "exec 3<>/dev/tcp/127.0.0.1/$METRICS &&
		printf 'GET /metrics HTTP/1.1\r\n\r\n' >&3 && r=\$(cat <&3) &&
		[[ \$r == 'HTTP/1.1 200'* && \$r == *echod_accepted_total* ]]"

# The health check, as the image defines it, must turn healthy.
for _ in $(seq 300); do
	h=$(dk inspect -f '{{.State.Health.Status}}' "$tag")
	[ "$h" = healthy ] && break
	sleep 0.1
done
t_healthy=$(($(now_ms) - t0))
check "health: $h, $t_healthy ms after docker run" same "$h" healthy
check "health: the last probe exited 0" \
	same "$(dk inspect "$tag" | jq '.[0].State.Health.Log[-1].ExitCode')" 0

# And the same check must fail where nothing answers on its port.
dk run -d --name "$tag-bad" --network none --health-interval=1s \
	--health-retries=1 "$name" -p $((PORT + 1)) >/dev/null
for _ in $(seq 150); do
	h=$(dk inspect -f '{{.State.Health.Status}}' "$tag-bad")
	[ "$h" = unhealthy ] && break
	sleep 0.1
done
check "health: unhealthy when echod listens elsewhere (-p $((PORT + 1)))" same "$h" unhealthy
check "health: its probe exited 1" \
	same "$(dk inspect "$tag-bad" | jq '.[0].State.Health.Log[-1].ExitCode')" 1
dk rm -f "$tag-bad" >/dev/null

# docker stop: STOPSIGNAL SIGTERM to PID 1, which must exit 0 at once
# (a PID 1 that ignored it would be killed after -t 10 s, status 137).
t0=$(now_ms)
dk stop -t 10 "$tag" >/dev/null
t_stop=$(($(now_ms) - t0))
check "docker stop: $t_stop ms (< 2000)" [ "$t_stop" -lt 2000 ]
check "docker stop: exit status 0, not OOM-killed" \
	same "$(dk inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}' "$tag")" \
	"exited 0 false"
[ $net = host ] &&
	check "port $PORT is free again" eval "! '$echod' -P 127.0.0.1:$PORT 2>/dev/null"
dk rm "$tag" >/dev/null
dk rmi "$name" >/dev/null
check "docker: no container and no image left" \
	same "$(dk ps -aq; dk images -q)" ""

# containerd alone, through ctr: the same tar, in a network namespace of
# this test's own with only lo.
out=$(kctr images import --platform linux/amd64 "$tar" 2>&1)
check "ctr images import" same "$(kctr images ls -q)" "docker.io/library/$name"
unshare --net sleep 600 &
holder_pid=$!
for _ in $(seq 100); do
	[ "$(readlink /proc/$holder_pid/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
	sleep 0.01
done
netns=/proc/$holder_pid/ns/net
nsenter --net="$netns" ip link set lo up
t0=$(now_ms)
kctr run --rm --fifo-dir "$S/fifo" --runc-root "$S/runc" \
	--with-ns "network:$netns" "docker.io/library/$name" "$tag" >"$S/ctr-run.log" 2>&1 &
ctr_run_pid=$!
for _ in $(seq 500); do
	nsenter --net="$netns" "$echod" -P 127.0.0.1:$PORT 2>/dev/null && break
	sleep 0.01
done
t_ctr=$(($(now_ms) - t0))
if nsenter --net="$netns" "$echod" -P 127.0.0.1:$PORT 2>/dev/null; then
	ok "ctr run: serving $t_ctr ms after ctr run"
	tpid=$(kctr task ls | awk -v t="$tag" '$1 == t { print $2 }')
	check "ctr: echod is PID 1, as 65534" same \
		"$(awk '/^NSpid:/ { print $NF } /^Uid:/ { print $2 }' /proc/$tpid/status | tr '\n' ' ')" \
		"65534 1 "
	if nsenter --net="$netns" "$itest" -r 127.0.0.1:$PORT -r "[::1]:$PORT" >"$S/itest.log" 2>&1; then
		ok "ctr: itest -r 127.0.0.1:$PORT -r [::1]:$PORT: $(tail -1 "$S/itest.log")"
	else
		bad "ctr: itest -r 127.0.0.1:$PORT -r [::1]:$PORT:"
		sed 's/^/     /' "$S/itest.log"
	fi
	t0=$(now_ms)
	kctr task kill -s SIGTERM "$tag"
	wait "$ctr_run_pid"
	status=$?
	ctr_run_pid=""
	t_ctr_stop=$(($(now_ms) - t0))
	check "ctr task kill -s SIGTERM: exit status $status (0) in $t_ctr_stop ms (< 2000)" \
		[ "$status" = 0 -a "$t_ctr_stop" -lt 2000 ]
else
	bad "ctr run: not serving after 5 s:"
	cat "$S/ctr-run.log"
fi
stop_pid "$holder_pid"
holder_pid=""

# Stop the daemons by their pids and remove all their state.
t0=$(now_ms)
stop_pid "$dockerd_pid"
ok "dockerd stopped in $(($(now_ms) - t0)) ms"
stop_pid "$containerd_pid"
check "host network untouched at the end" host_net_unchanged
cleanup
check "daemons gone" eval "! kill -0 $dockerd_pid 2>/dev/null && ! kill -0 $containerd_pid 2>/dev/null"
check "their state removed: $S" [ ! -e "$S" ]
check "nothing left under /run/containerd" \
	eval "[ -n '$had_run_containerd' ] || [ ! -e /run/containerd ]"
echo "times: serving ${t_serving} ms, healthy ${t_healthy} ms after docker run;" \
	"docker stop ${t_stop} ms; ctr: serving ${t_ctr} ms, SIGTERM to exit ${t_ctr_stop:-?} ms"
finish

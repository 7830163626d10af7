#!/bin/bash
# SPDX-License-Identifier: ISC
# test-k8s.sh K8S.yaml IMAGE.tar ECHOD
#
# Checks the Kubernetes example: that it parses and fits the API schema, and
# that it agrees with the image (tag, port, user, health check command) and
# with echod itself: its defaults and its probe timeout as `echod -h` states
# them, the fixed memory it reports at start for the manifest's arguments,
# one thread, and how fast it exits on SIGTERM.
set -u
cd "$(dirname "$0")/.." || exit 1
[ $# -eq 3 ] || { echo "usage: test-k8s.sh K8S.yaml IMAGE.tar ECHOD" >&2; exit 2; }
yaml=$1 tar=$2 echod=$3
. docker/harness.sh
# Kubernetes quantities: bytes for memory, millicores for CPU.
bytes() {
	awk -v q="$1" 'BEGIN {
		n = q + 0; u = q; sub(/^[0-9.]+/, "", u)
		m["Ki"] = 1024; m["Mi"] = 1048576; m["Gi"] = 1073741824
		m["k"] = 1e3; m["M"] = 1e6; m["G"] = 1e9; m[""] = 1
		if (!(u in m)) exit 1
		printf "%.0f\n", n * m[u] }'
}
millicores() { case $1 in *m) echo "${1%m}" ;; *) awk -v q="$1" 'BEGIN { printf "%.0f\n", q * 1000 }' ;; esac; }
mib() { echo $((($1 + 1048575) / 1048576 * 1048576)); }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/echod-k8s.XXXXXX") || exit 1
epid=""
trap '[ -n "$epid" ] && kill -KILL $epid 2>/dev/null; rm -rf "$tmp"' EXIT

# Parse, and check against the API models.
if /usr/bin/python3 docker/k8s-schema.py "$yaml" >"$tmp/k8s.json" 2>"$tmp/err"; then
	ok "$yaml parses and fits the Kubernetes API schema (python3-kubernetes models)"
else
	bad "$yaml does not fit the schema:"
	sed 's/^/     /' "$tmp/err"
	finish
fi
j() { jq -r "$@" "$tmp/k8s.json"; }
check "a Deployment (apps/v1) and a Service (v1)" \
	same "$(j -c '[.[] | "\(.apiVersion) \(.kind)"]')" '["apps/v1 Deployment","v1 Service"]'
D='(.[] | select(.kind == "Deployment"))'
SVC='(.[] | select(.kind == "Service"))'
P="$D.spec.template.spec"
C="$P.containers[0]"
check "one container" same "$(j "$P.containers | length")" 1
check "the Deployment's selector matches its pods' labels" \
	same "$(j "$D | .spec.selector.matchLabels as \$s | .spec.template.metadata.labels | contains(\$s)")" true
check "the Service selects those pods" \
	same "$(j "$D.spec.template.metadata.labels as \$l | $SVC.spec.selector | . != null and (. as \$s | \$l | contains(\$s))")" true
check "more than one replica, none taken down before its successor is ready" \
	same "$(j "$D.spec | .replicas > 1 and .strategy.rollingUpdate.maxUnavailable == 0")" true

# The image: its tag, and its config as make image built it.
tag=$(tar -xOf "$tar" manifest.json | jq -r '.[0].RepoTags[0]')
cfg=$(tar -xOf "$tar" manifest.json | jq -r '.[0].Config')
tar -xOf "$tar" "$cfg" >"$tmp/config.json"
c() { jq -r "$@" "$tmp/config.json"; }
check "image: $tag, as make image tags it" same "$(j "$C.image")" "$tag"
check "imagePullPolicy IfNotPresent or Never: the image is loaded, not pulled" \
	same "$(j "$C.imagePullPolicy | . == \"IfNotPresent\" or . == \"Never\"")" true
check "no command: the image's ENTRYPOINT $(c -c .config.Entrypoint) runs" same "$(j "$C.command")" null

# echod's defaults, as its help states them.
"$echod" -h >"$tmp/help" 2>&1
default() { sed -nE "s/^ +-$1 .*\(default ([0-9]+)\).*/\1/p" "$tmp/help"; }
args=$(j -c "$C.args // []")
arg() { # the value of -X in args, else echod's default
	local v
	v=$(jq -r --arg f "-$1" 'index($f) as $i | if $i then .[$i + 1] else empty end' <<<"$args")
	echo "${v:-$(default "$1")}"
}
port=$(arg p) slots=$(arg c) ring=$(arg b) metrics=$(arg M)
probe_s=$(sed -nE 's/.*within ([0-9]+) s.*/\1/p' "$tmp/help")
echo "echod -h: default port $(default p), slots $(default c), ring $(default b); probe timeout $probe_s s"
echo "args $args: port $port, $slots slots, ring $ring"
check "ports: echod's $port and metrics (-M) ${metrics:-none} = the image's EXPOSE" \
	same "$(c -c '.config.ExposedPorts | keys')" "[\"$port/tcp\"${metrics:+,\"$metrics/tcp\"}]"
check "containerPort $port/TCP${metrics:+, $metrics/TCP}" \
	same "$(j -c "[$C.ports[] | [.containerPort, .protocol]]")" "[[$port,\"TCP\"]${metrics:+,[$metrics,\"TCP\"]}]"
check "Prometheus scrape annotations: port ${metrics:-none} (-M), path /metrics" \
	same "$(j -c "$D.spec.template.metadata.annotations | [.[\"prometheus.io/scrape\"], .[\"prometheus.io/port\"], .[\"prometheus.io/path\"]]")" \
	"[\"true\",\"$metrics\",\"/metrics\"]"
check "the Service sends its port to containerPort $port" same \
	"$(j -c "$C.ports as \$cp | [$SVC.spec.ports[] | .targetPort as \$t |
		(\$cp[] | select(.name == \$t or .containerPort == \$t) | .containerPort)]")" "[$port]"
want_probe=$(c -c '.config.Healthcheck.Test[1:]')
for p in readinessProbe livenessProbe; do
	check "$p: exec $want_probe, the image's HEALTHCHECK" \
		same "$(j -c "$C.$p.exec.command")" "$want_probe"
	check "$p: probes 127.0.0.1:$port with the image's entrypoint" same \
		"$(j -c "$C.$p.exec.command")" "[$(jq -c '.config.Entrypoint[0]' "$tmp/config.json"),\"-P\",\"127.0.0.1:$port\"]"
	check "$p: timeoutSeconds $(j "$C.$p.timeoutSeconds") > the probe's own $probe_s s" \
		[ "$(j "$C.$p.timeoutSeconds // 1")" -gt "$probe_s" ]
done

# Security: as the image's user, no root, no privilege, nothing writable.
uid=$(c .config.User | cut -d: -f1) gid=$(c .config.User | cut -d: -f2)
check "runAsNonRoot, as the image's user $uid:$gid" same \
	"$(j -c "[$P.securityContext | .runAsNonRoot, .runAsUser, .runAsGroup]")" "[true,$uid,$gid]"
check "readOnlyRootFilesystem, no privilege escalation, capabilities: drop ALL, add none" same \
	"$(j -c "$C.securityContext | [.readOnlyRootFilesystem, .allowPrivilegeEscalation, .capabilities.drop, .capabilities.add, (.privileged // false)]")" \
	'[true,false,["ALL"],null,false]'
check "seccomp RuntimeDefault" same "$(j "$P.securityContext.seccompProfile.type")" RuntimeDefault

# Run echod with the manifest's arguments (on a free loopback port) for
# what it says about its memory, its threads and SIGTERM.
# (metrics, -M, on a free loopback port too)
eargs=$(jq -r '[range(0; length; 2) as $i | select(.[$i] != "-p" and .[$i] != "-l") | .[$i],
	(if .[$i] == "-M" then "127.0.0.1:0" else .[$i + 1] end)] | .[]' <<<"$args")
# shellcheck disable=SC2086
"$echod" -l 127.0.0.1 -p 0 $eargs 2>"$tmp/log" &
epid=$!
for _ in $(seq 200); do
	grep -q 'bytes fixed' "$tmp/log" 2>/dev/null && break
	sleep 0.01
done
fixed=$(sed -nE 's/.* = ([0-9]+) bytes fixed.*/\1/p' "$tmp/log")
check "echod starts with the manifest's args: $(head -1 "$tmp/log")" [ -n "$fixed" ]
fixed=${fixed:-0}
# "1024 slots x (4096 ring + 48 header)", and any "+ N udp", "+ N metrics".
hdr=$(sed -nE "s/.*[ (]$slots slots x \($ring ring \+ ([0-9]+) header\).*/\1/p" "$tmp/log")
udp=$(sed -nE 's/.* \+ ([0-9]+) udp[ )].*/\1/p' "$tmp/log")
met=$(sed -nE 's/.* \+ ([0-9]+) metrics\).*/\1/p' "$tmp/log")
check "its fixed memory: $slots x ($ring + ${hdr:-?} header) + ${udp:-0} udp + ${met:-0} metrics = $fixed bytes" \
	[ -n "$hdr" -a "$fixed" = $((slots * (ring + ${hdr:-0}) + ${udp:-0} + ${met:-0})) ]
threads=$(awk '/^Threads:/ { print $2 }' /proc/$epid/status)
t0=$(date +%s%N)
kill -TERM $epid
wait $epid
status=$?
stop_ms=$((($(date +%s%N) - t0) / 1000000))
epid=""
grace=$(j "$P.terminationGracePeriodSeconds // 30")
check "SIGTERM: exit status $status (0) after $stop_ms ms" [ "$status" = 0 ]
check "terminationGracePeriodSeconds $grace: > that, and no more than 10 (the default 30 only delays killing a hung one)" \
	[ $((grace * 1000)) -gt "$stop_ms" -a "$grace" -le 10 ]

req=$(bytes "$(j "$C.resources.requests.memory")") lim=$(bytes "$(j "$C.resources.limits.memory")")
want_req=$(($(mib "$fixed") + 1048576))
want_lim=$((want_req + slots * 16384))
echo "memory: fixed $fixed bytes; request $req (formula $want_req), limit $lim (formula $want_lim)"
check "memory request >= fixed, rounded up to a MiB, + 1 MiB ($want_req)" [ "$req" -ge "$want_req" ]
check "memory limit >= request + $slots slots x 16 KiB of TCP buffers ($want_lim)" \
	[ "$lim" -ge "$want_lim" -a "$lim" -ge "$req" ]
check "memory limit small: within 8 MiB of the formula" [ "$lim" -le $((want_lim + 8388608)) ]
# One thread per process, and one process unless -w asks for workers.
procs=$(jq -r 'index("-w") as $i | if $i then .[$i + 1] else 1 end' <<<"$args")
check "echod ran $threads thread, $procs process(es): CPU limit $procs core(s), request below it" \
	eval "[ '$threads' = 1 ] && [ $(millicores "$(j "$C.resources.limits.cpu")") = $((procs * 1000)) ] &&
		[ $(millicores "$(j "$C.resources.requests.cpu")") -le $((procs * 1000)) ]"
finish

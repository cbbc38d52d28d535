#!/usr/bin/env bash
# standin.sh: a local STAND-IN for the Kubernetes Indexed Job, not a cluster.
#
# It runs N shard processes as the Job's pods would (the same portlab load
# command line, JOB_COMPLETION_INDEX set to 0..N-1), each in a network
# namespace of its own with its own address on a bridge, against one
# server namespace running portlab echo; then merges their results with
# portlab report merge. Everything lives in a private outer network and
# mount namespace (unshare), so this host's links, addresses, sysctls and
# /run/netns are untouched, and nothing outlives the script. Addresses are
# 198.18.0.0/24 (RFC 2544 benchmarking space). What it does not stand in
# for: other machines (the shards share this host's CPUs and kernel),
# kube-proxy and Services, image pulls, scheduling.
#
# usage: standin.sh [-n SHARDS] [-r 'LOW HIGH'] [-d DIR] [-- LOAD_FLAGS...]
#   -n SHARDS     shard processes, one namespace each (default 4, at most 200)
#   -r 'LOW HIGH' net.ipv4.ip_local_port_range in each client namespace
#   -d DIR        where the shard-I.json, shard-I.log and merged.json go
#                 (default: a new directory under /tmp)
#   LOAD_FLAGS    portlab load flags every shard gets (as the Job's
#                 template); --start-at now + 2 s is added unless a start is given
# Needs root, iproute2 (ip, ss) and util-linux (unshare). PORTLAB names the
# binary (default: portlab on PATH). Exit: 0 when every shard and the
# merge succeeded, 1 when one failed, 2 on a usage error.
set -euo pipefail

usage() { sed -n '/^# usage:/,/^# merge succeeded/s/^# \{0,1\}//p' "$0" >&2; exit 2; }

shards=4 range="" dir=""
while getopts "n:r:d:h" opt; do
  case $opt in
    n) shards=$OPTARG ;;
    r) range=$OPTARG ;;
    d) dir=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[[ ${1:-} == -- ]] && shift
if ! [[ $shards =~ ^[0-9]{1,3}$ ]] || ((shards < 1 || shards > 200)); then
  echo "standin.sh: -n: 1 to 200 shards, got '$shards'" >&2
  exit 2
fi
[[ -z $range || $range =~ ^[0-9]+\ [0-9]+$ ]] || { echo "standin.sh: -r: 'LOW HIGH', got '$range'" >&2; exit 2; }
portlab=${PORTLAB:-$(command -v portlab || true)}
[[ -x $portlab ]] || { echo "standin.sh: no portlab binary: set PORTLAB=/path/to/portlab" >&2; exit 2; }
portlab=$(realpath "$portlab")
((EUID == 0)) || { echo "standin.sh: needs root (network namespaces, a bridge)" >&2; exit 2; }
for tool in ip ss unshare; do
  command -v "$tool" >/dev/null || { echo "standin.sh: needs $tool (iproute2, util-linux)" >&2; exit 2; }
done
if [[ -z $dir ]]; then
  dir=$(mktemp -d /tmp/portlab-standin.XXXXXX)
fi
mkdir -p "$dir"
dir=$(realpath "$dir")

# Re-enter in a private network and mount namespace: the bridge, the veths
# and the /run/netns mounts live and die there. PORTLAB_STANDIN_OUTER
# records the namespaces it left.
here="$(readlink /proc/self/ns/net) $(readlink /proc/self/ns/mnt)"
if [[ -z ${PORTLAB_STANDIN_OUTER:-} ]]; then
  exec env PORTLAB_STANDIN_OUTER="$here" PORTLAB="$portlab" \
    unshare --net --mount --propagation private -- "$0" -n "$shards" -r "$range" -d "$dir" -- "$@"
fi
# Never change the namespaces it was started in, should the variable have
# leaked into the environment: both must be new, the network one still
# empty but for lo (a namespace it cannot read is refused too).
read -r net mnt <<<"$here"
read -r outer_net outer_mnt <<<"$PORTLAB_STANDIN_OUTER"
if [[ -z $net || -z $mnt || $net == "$outer_net" || $mnt == "$outer_mnt" || $(ip -o link show | wc -l) != 1 ]]; then
  echo "standin.sh: not in a new network and mount namespace of its own: unset PORTLAB_STANDIN_OUTER" >&2
  exit 2
fi
mount -t tmpfs standin /run # ip netns keeps its names in /run/netns: a private one
ip link set lo up
ip link add br0 type bridge
ip link set br0 up

# host NAME ADDRESS: a namespace with one veth on the bridge.
host() {
  ip netns add "$1"
  ip link add "v-$1" type veth peer name eth0 netns "$1"
  ip link set "v-$1" master br0 up
  ip -n "$1" link set lo up
  ip -n "$1" addr add "$2/24" dev eth0
  ip -n "$1" link set eth0 up
}

server=198.18.0.1 port=7000
host srv "$server"
for ((i = 0; i < shards; i++)); do
  host "c$i" "198.18.0.$((10 + i))"
  if [[ -n $range ]]; then
    ip netns exec "c$i" sh -c "echo '$range' > /proc/sys/net/ipv4/ip_local_port_range"
  fi
done

ip netns exec srv "$portlab" echo --listen "$server:$port" >"$dir/echo.log" 2>&1 &
echo_pid=$!
pids=()
# The shards and the server end with the script, however it ends: a
# trapped INT or TERM exits (running the EXIT trap) rather than waiting.
trap 'kill "${pids[@]}" "$echo_pid" 2>/dev/null || true' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
listening=""
for ((t = 0; t < 100; t++)); do
  ip netns exec srv ss -Hltn "sport = :$port" | grep -q . && { listening=1; break; }
  kill -0 "$echo_pid" 2>/dev/null || { cat "$dir/echo.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n $listening ]] || { echo "standin.sh: the echo server did not listen within 10 s; see $dir/echo.log" >&2; exit 1; }

args=(load --shards "$shards" --target "$server:$port" --quiet "$@")
if [[ " $* " != *" --start-at"* && " $* " != *" --start-delay"* ]]; then
  args+=(--start-at "$(date -u -d "@$(($(date +%s) + 2))" +%Y-%m-%dT%H:%M:%SZ)")
fi
echo "standin: $shards shards of: portlab ${args[*]}" >&2
for ((i = 0; i < shards; i++)); do
  ip netns exec "c$i" env JOB_COMPLETION_INDEX="$i" \
    "$portlab" "${args[@]}" --out "$dir/shard-$i.json" >"$dir/shard-$i.log" 2>&1 &
  pids+=($!)
done
failed=0
for ((i = 0; i < shards; i++)); do
  if ! wait "${pids[i]}"; then
    echo "standin: shard $i/$shards failed; see $dir/shard-$i.log" >&2
    failed=1
  fi
done

results=()
for ((i = 0; i < shards; i++)); do
  [[ -f $dir/shard-$i.json ]] && results+=("$dir/shard-$i.json")
done
((${#results[@]})) || exit 1
"$portlab" report merge "${results[@]}" -o "$dir/merged.json" || exit 1
echo "standin: results in $dir (shard-I.json, merged.json)" >&2
exit "$failed"

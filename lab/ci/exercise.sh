#!/usr/bin/env bash
# Runs exercise N of LABS.md on the client VM, as a student would, for CI
# (.ci/lab-vms): `bash /vagrant/lab/ci/exercise.sh N` as the vagrant user,
# in the home directory, where `portlab lab check N` reads the results.
#
# The commands are the exercise's `# on client` blocks. Emulated VMs make
# connections far more slowly than real ones, so the counts scale by these
# knobs (the sysctls and flags the exercises already show); unset, each is
# the value LABS.md gives:
#   PORTLAB_LAB_RANGE       ip_local_port_range of the runs that exhaust it
#                           (LABS.md: the default 32768 60999 in exercises 1
#                           and 2, 40000 40999 from exercise 5 on; exercise 9
#                           needs port 40500 inside it)
#   PORTLAB_LAB_REUSE_RANGE the range of exercise 5's run with tcp_tw_reuse=1,
#                           which exhausts only when more connections a second
#                           than it has ports are made (LABS.md: 40000 40999)
#   PORTLAB_LAB_RATE        exercise 2's --rate (LABS.md: 1000)
#   PORTLAB_LAB_WIDE_RANGE  exercise 6's widened range (LABS.md: 10000 65000)
#   PORTLAB_LAB_DURATION    --duration of those runs (LABS.md: 30s; 10s in
#                           exercises 5 and 9)
set -euo pipefail

target=192.168.56.11:7777
knob_range=${PORTLAB_LAB_RANGE:-}
narrow=${knob_range:-40000 40999}
duration=${PORTLAB_LAB_DURATION:-}

drain() {
  local n
  while n=$(ss -Htan state time-wait | wc -l) && [[ $n -gt 0 ]]; do
    echo "waiting for $n TIME_WAIT sockets to expire"
    sleep 5
  done
}

# load runs portlab load; a run that met EADDRNOTAVAIL may exit non-zero,
# and `portlab lab check` judges the result, so only a missing result fails.
load() {
  local out=${*: -1}
  portlab load --target "$target" --mode new "$@" || echo "portlab load exited $?"
  [[ -f $out ]] || { echo "no result $out" >&2; exit 1; }
}

range() { sudo sysctl -w net.ipv4.ip_local_port_range="$1"; }

ex1() {
  range "${knob_range:-32768 60999}"
  drain
  load --concurrency 16 --duration "${duration:-30s}" --out ex1.json
  ss -Htan state time-wait | wc -l
}

ex2() {
  range "${knob_range:-32768 60999}"
  drain
  load --rate "${PORTLAB_LAB_RATE:-1000}" --duration "${duration:-40s}" --quiet --out ex2.json
  portlab ports
  ss -Htano state time-wait | head -3 || true # head closes the pipe early
}

ex5() {
  sudo sysctl net.ipv4.tcp_tw_reuse net.ipv4.tcp_timestamps # Debian: sysctl is in /usr/sbin
  range "$narrow"
  sudo sysctl -w net.ipv4.tcp_tw_reuse=2
  drain
  load --duration "${duration:-10s}" --sustain-exhaustion --out ex5-reuse2.json
  sudo sysctl -w net.ipv4.tcp_tw_reuse=1
  range "${PORTLAB_LAB_REUSE_RANGE:-$narrow}"
  drain
  load --duration "${duration:-10s}" --sustain-exhaustion --out ex5-reuse1.json
}

ex6() {
  sudo sysctl -w net.ipv4.tcp_tw_reuse=2
  range "$narrow"
  drain
  load --duration "${duration:-30s}" --out ex6-narrow.json
  drain
  range "${PORTLAB_LAB_WIDE_RANGE:-10000 65000}"
  load --duration 60s --out ex6-wide.json
}

ex9() {
  range "$narrow"
  sudo sysctl -w net.ipv4.tcp_fin_timeout=60
  drain
  load --duration "${duration:-10s}" --out ex9-unreserved.json
  # A client connection holds local port 40500 in TIME_WAIT now: the
  # service cannot bind it (timeout's 124 would mean it could).
  local rc=0
  timeout 5 portlab echo --listen 0.0.0.0:40500 || rc=$?
  if [[ $rc -eq 124 ]]; then
    echo "portlab echo bound 0.0.0.0:40500 inside the exhausted range" >&2
    exit 1
  fi
  sudo sysctl -w net.ipv4.ip_local_reserved_ports=40500
  drain
  load --duration "${duration:-10s}" --out ex9.json
  portlab echo --listen 0.0.0.0:40500 &
  sleep 2
  portlab ports
  kill %1
  wait || true
}

case ${1:-} in
  1 | 2 | 5 | 6 | 9) "ex$1" ;;
  *)
    echo "usage: $0 1|2|5|6|9" >&2
    exit 2
    ;;
esac

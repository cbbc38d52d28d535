#!/usr/bin/env bash
# Puts back the kernel defaults the exercises in LABS.md change, on the VM
# it runs on: sudo /vagrant/lab/reset.sh (a reboot does the same). Existing
# TIME_WAIT sockets stay until their 60 s are over.
set -euo pipefail

if [[ $EUID -ne 0 ]]; then
  echo "usage: sudo $0" >&2
  exit 2
fi
sysctl -w \
  net.ipv4.ip_local_port_range="32768 60999" \
  net.ipv4.ip_local_reserved_ports="" \
  net.ipv4.tcp_tw_reuse=2 \
  net.ipv4.tcp_fin_timeout=60

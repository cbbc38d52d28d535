#!/usr/bin/env bash
# Vagrant provisioner, server VM: runs `portlab echo --listen 0.0.0.0:7777`
# as the systemd service portlab-echo. The client closes first (the echo
# default), so the TIME_WAIT of the exercises lands on the client VM.
set -euo pipefail

unit=/etc/systemd/system/portlab-echo.service
cat >"$unit" <<'UNIT'
[Unit]
Description=portlab echo server for the port-exhaustion lab (LABS.md)
After=network-online.target
Wants=network-online.target

[Service]
ExecStart=/usr/local/bin/portlab echo --listen 0.0.0.0:7777
DynamicUser=yes
Restart=on-failure
# portlab echo lets open connections finish for up to 5 s on SIGTERM.
TimeoutStopSec=15

[Install]
WantedBy=multi-user.target
UNIT

systemctl daemon-reload
systemctl enable portlab-echo.service
# restart, not start: a provision after rebuilding must run the new binary.
systemctl restart portlab-echo.service

for _ in $(seq 50); do
  if ss -Htln 'sport = :7777' | grep -q .; then
    echo "portlab lab: portlab-echo listens on 0.0.0.0:7777"
    exit 0
  fi
  sleep 0.1
done
echo "portlab lab: portlab-echo does not listen on :7777 after 5 s:" >&2
journalctl -u portlab-echo.service -n 20 --no-pager >&2 || true
exit 1

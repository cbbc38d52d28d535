#!/usr/bin/env bash
# Vagrant provisioner, both VMs: installs the portlab binary built on the
# host (see Vagrantfile) as /usr/local/bin/portlab.
set -euo pipefail

src=/vagrant/lab/bin/portlab
dst=/usr/local/bin/portlab

if [[ ! -f $src ]]; then
  cat >&2 <<MSG
portlab lab: $src is missing.
portlab needs Go 1.26, newer than this VM's golang-go, so it is built on the
host. In the repository, on the host:

  GOOS=linux GOARCH=amd64 go build -o lab/bin/portlab ./cmd/portlab
  vagrant rsync && vagrant provision
MSG
  exit 1
fi

install -m 0755 "$src" "$dst"
if ! version=$("$dst" version 2>&1); then
  cat >&2 <<MSG
portlab lab: $dst does not run on this $(uname -m) VM:
$version
Rebuild it with GOARCH=amd64 for x86_64 VMs, GOARCH=arm64 for aarch64 ones.
MSG
  exit 1
fi
echo "portlab lab: installed $version as $dst"

#!/usr/bin/env bash
# Builds the lab's Vagrant box for the libvirt provider without downloading
# a box: Debian bookworm from the configured Debian mirror, made with
# debootstrap, booted by its kernel and initrd directly (no boot loader), so
# it works offline and needs no loop device.
#
#   sudo lab/box/build.sh            # prints the path of the .box file
#   vagrant box add --name portlab/bookworm-lab "$(sudo lab/box/build.sh)"
#   PORTLAB_LAB_BOX=portlab/bookworm-lab vagrant up --provider=libvirt
#
# The box lands in $PORTLAB_BOX_CACHE/<key>/ (default /var/cache/portlab-box),
# where <key> hashes this script and lab/box/packages: same inputs, same
# directory, so a second run prints the cached box at once. Builds with
# other inputs stay beside it; delete the ones you no longer need.
#
# Needs root, debootstrap, e2fsprogs (mkfs.ext4 -d), qemu-img and
# Vagrant's insecure public key (Debian's vagrant package ships it).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
suite=bookworm
packages_file=$here/packages
cache_root=${PORTLAB_BOX_CACHE:-/var/cache/portlab-box}

if [[ $EUID -ne 0 ]]; then
  echo "usage: sudo $0 (debootstrap and the rootfs's owners need root)" >&2
  exit 2
fi
for tool in debootstrap mkfs.ext4 qemu-img sha256sum; do
  command -v "$tool" >/dev/null || { echo "portlab box: $tool is missing" >&2; exit 2; }
done

key=$(cat "$0" "$packages_file" | sha256sum | cut -c1-16)
out=$cache_root/$suite-$key
box=$out/portlab-$suite.box
if [[ -f $box ]]; then
  echo "portlab box: cached, key $key" >&2
  echo "$box"
  exit 0
fi

# mirror prints the Debian mirror that apt uses for $suite, from deb822
# .sources files or one-line .list files; PORTLAB_BOX_MIRROR overrides it.
mirror() {
  if [[ -n ${PORTLAB_BOX_MIRROR:-} ]]; then
    echo "$PORTLAB_BOX_MIRROR"
    return
  fi
  local f m
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    m=$(awk -v s="$suite" '
      /^[[:space:]]*$/ { if (uri != "" && hit) { print uri; exit } uri = ""; hit = 0; next }
      /^URIs:/ { uri = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) hit = 1 }
      END { if (uri != "" && hit) print uri }' "$f" | head -1)
    [[ -n $m ]] && { echo "$m"; return; }
  done
  m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk -v s="$suite" '$1 == "deb" { i = 2; if ($i ~ /^\[/) while ($i !~ /\]$/) i++; if ($i ~ /^\[/ || $i ~ /\]$/) i++; if ($(i+1) == s) { print $i; exit } }')
  echo "${m:-http://deb.debian.org/debian}"
}

pubkey=""
for k in /usr/share/rubygems-integration/all/gems/vagrant-*/keys/vagrant.pub /opt/vagrant/embedded/gems/gems/vagrant-*/keys/vagrant.pub; do
  [[ -f $k ]] && pubkey=$k
done
[[ -n $pubkey ]] || { echo "portlab box: Vagrant's insecure public key not found (install vagrant)" >&2; exit 2; }

# configure makes the rootfs a Vagrant base box: the vagrant user with the
# insecure key (Vagrant swaps it for a fresh one at the first `vagrant up`),
# sudo without password, DHCP on eth0, no host keys or machine id baked in
# (each VM makes its own at first boot), no apt timers waking up mid-exercise.
configure() {
  local r=$1
  echo portlab-box >"$r/etc/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\tportlab-box\n' >"$r/etc/hosts"
  echo '/dev/vda / ext4 defaults,errors=remount-ro 0 1' >"$r/etc/fstab"
  cat >"$r/etc/network/interfaces" <<'NET'
source /etc/network/interfaces.d/*
auto lo
iface lo inet loopback
auto eth0
iface eth0 inet dhcp
NET
  chroot "$r" useradd --create-home --shell /bin/bash --uid 1000 --user-group vagrant
  install -d -m 0700 -o 1000 -g 1000 "$r/home/vagrant/.ssh"
  install -m 0600 -o 1000 -g 1000 "$pubkey" "$r/home/vagrant/.ssh/authorized_keys"
  echo 'vagrant ALL=(ALL) NOPASSWD: ALL' >"$r/etc/sudoers.d/vagrant"
  chmod 0440 "$r/etc/sudoers.d/vagrant"
  local unit
  for unit in apt-daily.timer apt-daily-upgrade.timer apt-daily.service apt-daily-upgrade.service; do
    ln -sf /dev/null "$r/etc/systemd/system/$unit"
  done
  rm -f "$r"/etc/ssh/ssh_host_*
  cat >"$r/etc/systemd/system/ssh-hostkeys.service" <<'UNIT'
[Unit]
Description=Make this VM's own SSH host keys
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
UNIT
  ln -sf /etc/systemd/system/ssh-hostkeys.service "$r/etc/systemd/system/multi-user.target.wants/ssh-hostkeys.service"
  : >"$r/etc/machine-id"
  : >"$r/etc/resolv.conf"
  chroot "$r" apt-get clean
  rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin "$r"/var/log/*.log "$r"/tmp/*
}

# package writes the .box: an ext4 image of the rootfs made by mkfs.ext4 -d
# (no loop device, no mount), as qcow2, with the kernel and initrd beside it
# and a box Vagrantfile that boots them with root on /dev/vda. Fixed UUID
# and hash seed keep the image the same for the same rootfs.
package() {
  local r=$1 w=$2 o=$3
  rm -rf "$o" && mkdir -p "$o"
  cp "$(printf "%s\n" "$r"/boot/vmlinuz-* | sort -V | tail -1)" "$w/vmlinuz"
  cp "$(printf "%s\n" "$r"/boot/initrd.img-* | sort -V | tail -1)" "$w/initrd.img"
  truncate -s 4G "$w/root.raw"
  E2FSPROGS_FAKE_TIME=${SOURCE_DATE_EPOCH:-1700000000} mkfs.ext4 -q -F -L portlab-root \
    -U 5e1f0c4a-7d0b-4c8e-9b1a-000000000001 -E root_owner=0:0,hash_seed=5e1f0c4a-7d0b-4c8e-9b1a-000000000002 \
    -d "$r" "$w/root.raw"
  qemu-img convert -O qcow2 "$w/root.raw" "$w/box.img"
  echo '{"provider":"libvirt","format":"qcow2","virtual_size":4}' >"$w/metadata.json"
  cat >"$w/Vagrantfile" <<'BOX'
# The portlab lab box (lab/box/build.sh): no boot loader, libvirt boots the
# kernel and initrd that ship in the box.
Vagrant.configure("2") do |config|
  config.vm.provider :libvirt do |lv|
    lv.kernel = File.join(File.dirname(__FILE__), "vmlinuz")
    lv.initrd = File.join(File.dirname(__FILE__), "initrd.img")
    lv.cmd_line = "root=/dev/vda rw console=ttyS0 net.ifnames=0"
  end
end
BOX
  tar -C "$w" -cf "$o/portlab-$suite.box" metadata.json Vagrantfile box.img vmlinuz initrd.img
}

work=$(mktemp -d /var/tmp/portlab-box.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
src=$(mirror)
echo "portlab box: debootstrap $suite from $src (key $key)" >&2
debootstrap --variant=minbase --include="$(paste -sd, "$packages_file")" \
  "$suite" "$root" "$src" >&2

configure "$root"
package "$root" "$work" "$out.tmp"
rm -rf "$out" && mv "$out.tmp" "$out"
echo "portlab box: built $box" >&2
echo "$box"

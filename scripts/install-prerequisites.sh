#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages pulumi-qemu-lab's demo and tests need (as root). Idempotent.
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
  echo "pulumi-qemu-lab changes host networking (bridges, namespaces, bridge.conf): run as root" >&2
  exit 1
fi
# iproute2: ip; qemu-system-x86 (+ qemu-bridge-helper); qemu-utils: qemu-img; busybox-static, cpio,
# xz-utils, zstd: the small test guest built from Debian's kernel package.
# strace: the test that the Pulumi CLI attempts no network access.
# dnsmasq-base: DhcpServer (dnsmasq without its system service); nftables: NetworkNat; xorriso: the cloud-init
# NoCloud seed ISO; cloud-init: tests validate generated #cloud-config with `cloud-init schema` (nothing runs at boot
# here: it only acts when a machine boots under systemd with a datasource).
# chromium: tests render `qemu-lab graph --format html` in a real headless browser (puppeteer-core drives it).
pkgs=(iproute2 qemu-system-x86 qemu-utils busybox-static cpio xz-utils zstd strace dnsmasq-base nftables xorriso cloud-init chromium
  debootstrap e2fsprogs # the Debian cloud image (scripts/build-debian-cloud-image.sh): mkfs.ext4 -d; the test reads it with debugfs
  openssh-server openssh-client) # remote hosts: tests start sshd inside namespaces that play hypervisors (never the system service)
need=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Why: openssh-server's postinst would start a system sshd in the root namespace; refuse service starts while
  # installing (Debian's policy-rc.d mechanism), unless the machine already has its own policy.
  own_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && own_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || { if [ -n "$own_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi; exit 1; }
  if [ -n "$own_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
echo "prerequisites ok: $(ip -V | head -1); $(qemu-system-x86_64 --version | head -1)"

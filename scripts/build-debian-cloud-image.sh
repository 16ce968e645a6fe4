#!/usr/bin/env bash
# Build a small Debian cloud image with real cloud-init, from Debian's packages (debootstrap), for the one slow
# test that boots a full systemd guest under TCG:
#   <dir>/base.qcow2   ext4 root file system (label "root", no partition table, no bootloader) as qcow2: use it
#                      as an overlay's backing file, never write it
#   <dir>/vmlinuz      the guest's kernel and
#   <dir>/initrd.img   its initramfs (virtio-blk + ext4 built in the list), copied out of the root fs:
#                      boot with QEMU's -kernel/-initrd and "root=/dev/vda rw console=ttyS0" (the image is the
#                      first virtio disk) or "root=LABEL=root"
#   <dir>/manifest.txt what went in (suite, mirror, kernel, cloud-init version, sizes, hashes)
#   <dir>/stamp        recipe fingerprint; outputs are reused while it matches
#   <dir>/debs/        the downloaded packages (debootstrap --cache-dir), reused by a rebuild
#
# <dir> defaults to <project>/.cache/debian-cloud (git-ignored); override with QEMU_LAB_DEBIAN_DIR.
# Optional env:
#   QEMU_LAB_DEBIAN_SUITE    Debian suite (default bookworm)
#   QEMU_LAB_DEBIAN_MIRROR   mirror URL (default: the first Debian mirror apt uses, from /etc/apt/sources.list*)
#   QEMU_LAB_DEBIAN_FORCE=1  rebuild even when the stamp matches (the warm path never asks the mirror)
#
# The guest: systemd, udev, dbus (logind powers off on QEMU's ACPI power button), systemd-networkd (cloud-init's
# networkd renderer; DHCP on the first NIC by cloud-init's fallback config), cloud-init with
# datasource_list [NoCloud, None] (QemuVm's seed: ISO9660 label "cidata"), root account locked (no password),
# getty on the serial console. Kernel modules for hardware no QEMU guest has are left out to keep the image small.
# Needs root (debootstrap, chroot, mkfs.ext4 -d keeping ownership), debootstrap, e2fsprogs, qemu-utils.
# Output is not byte-reproducible (package postinst scripts stamp times, keys and caches); the stamp keeps it stable.
set -euo pipefail

SELF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF="$SELF_DIR/$(basename "${BASH_SOURCE[0]}")"
ROOT=$(dirname "$SELF_DIR")
OUT=${QEMU_LAB_DEBIAN_DIR:-$ROOT/.cache/debian-cloud}
SUITE=${QEMU_LAB_DEBIAN_SUITE:-bookworm}
# Only what a NoCloud boot needs on top of minbase: init, device manager, D-Bus for logind/hostnamed, the kernel
# and its initramfs generator, cloud-init (pulls python3 and isc-dhcp-client), the ip tool its networkd renderer
# looks for, /etc/services & co. python3-cffi-backend: debootstrap does not resolve the virtual
# python3-cffi-backend-api-* that python3-cryptography (cloud-init -> python3-oauthlib) depends on.
PACKAGES=(systemd-sysv udev dbus linux-image-amd64 initramfs-tools zstd cloud-init python3-cffi-backend iproute2 netbase)
# Modules the initramfs loads to find the root: virtio PCI transport + disk, ext4 and its checksum.
INITRAMFS_MODULES=(virtio_pci virtio_blk ext4 crc32c_generic)
# Kernel module trees no QEMU x86 guest of this lab uses (sound cards, GPUs, Wi-Fi, cameras, ...): ~2/3 of the size.
PRUNE_MODULES=(sound drivers/gpu drivers/media drivers/net/wireless drivers/infiniband drivers/staging
  drivers/bluetooth drivers/isdn drivers/iio drivers/net/can drivers/usb/gadget drivers/hid drivers/input/touchscreen
  drivers/net/ethernet/mellanox drivers/net/ethernet/broadcom drivers/net/ethernet/chelsio drivers/net/ethernet/qlogic
  drivers/scsi/qla2xxx drivers/scsi/lpfc drivers/scsi/bfa drivers/scsi/be2iscsi drivers/mtd drivers/comedi net/bluetooth
  net/mac80211 net/wireless)

log() { printf 'build-debian-cloud-image: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $(id -u) == 0 ]] || die "must run as root (debootstrap, chroot)"
for tool in debootstrap mkfs.ext4 qemu-img unshare chroot sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool (run scripts/install-prerequisites.sh)"
done

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# Serialize concurrent builders (parallel jest workers) on the same cache dir.
exec 9>"$OUT/.lock"
flock 9

RECIPE=$(sha256sum "$SELF" | cut -d' ' -f1)
STAMP_KEY=$(printf 'recipe=%s\nsuite=%s' "$RECIPE" "$SUITE")

# ---------------------------------------------------------------- warm path
if [[ ${QEMU_LAB_DEBIAN_FORCE:-0} != 1 && -s $OUT/base.qcow2 && -s $OUT/vmlinuz && -s $OUT/initrd.img && -s $OUT/stamp ]] \
  && [[ $(head -n2 "$OUT/stamp") == "$STAMP_KEY" ]]; then
  log "up to date ($(sed -n 's/^kernel=//p' "$OUT/stamp")) in $OUT"
  exit 0
fi

# ---------------------------------------------------------------- mirror
apt_debian_mirror() {
  # deb822 "URIs:" and one-line "deb URI suite ..." entries; the first .../debian (not -security, not a PPA) wins.
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | sed -n -e 's/^URIs:[[:space:]]*//p' -e 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p' \
    | tr ' ' '\n' | grep -E '^https?://[^ ]+/debian/?$' | head -n1
}
MIRROR=${QEMU_LAB_DEBIAN_MIRROR:-$(apt_debian_mirror || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}

# ---------------------------------------------------------------- build
# Temp dir next to the outputs so the final mv is atomic and /tmp (maybe tmpfs) stays small.
WORK=$(mktemp -d "$OUT/.build.XXXXXX")
# --one-file-system: never descend into a mount left in the chroot (all mounts live in a private namespace anyway).
trap 'rm -rf --one-file-system "$WORK"' EXIT
R="$WORK/rootfs"
START=$SECONDS
log "debootstrap $SUITE from $MIRROR into $R ($(IFS=,; echo "${PACKAGES[*]}"))"

# A private mount namespace: debootstrap's /proc and /sys mounts in the chroot vanish with it, even on failure.
in_chroot() { unshare --mount --propagation private -- sh -c 'mount -t proc proc "$1/proc" && shift && exec chroot "$@"' sh "$R" "$R" "$@"; }
# Downloaded .debs are kept in <dir>/debs: a rebuild (new recipe) fetches only what changed.
mkdir -p "$OUT/debs"
unshare --mount --propagation private -- debootstrap --variant=minbase --cache-dir="$OUT/debs" --include="$(IFS=,; echo "${PACKAGES[*]}")" \
  "$SUITE" "$R" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
  || { tail -n 30 "$WORK/debootstrap.log" >&2; [[ -f $R/debootstrap/debootstrap.log ]] && tail -n 30 "$R/debootstrap/debootstrap.log" >&2; die "debootstrap failed"; }
log "debootstrap done in $((SECONDS - START)) s"

# ---------------------------------------------------------------- configure
# Pass 0: no fsck of a throw-away test root at every boot (seconds under TCG).
printf 'LABEL=root / ext4 rw,errors=remount-ro 0 0\n' >"$R/etc/fstab"
printf 'debian-cloud\n' >"$R/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 debian-cloud\n::1 localhost ip6-localhost ip6-loopback\n' >"$R/etc/hosts"
# C.UTF-8 needs no locale-gen: cloud-init's locale module finds it set and skips the (slow under TCG) generation.
printf 'LANG=C.UTF-8\n' >"$R/etc/default/locale"
# Empty: systemd makes a fresh machine-id on first boot (every VM from this base gets its own).
: >"$R/etc/machine-id"
rm -f "$R/var/lib/dbus/machine-id"
# The mirror's package lists and debootstrap's downloaded packages: not needed to boot, ~100 MB.
rm -rf "$R"/var/lib/apt/lists/* "$R"/var/cache/apt/*.bin "$R"/var/cache/apt/archives/*.deb

mkdir -p "$R/etc/cloud/cloud.cfg.d"
cat >"$R/etc/cloud/cloud.cfg.d/90-qemu-lab.cfg" <<'EOF'
# qemu-lab test image: QemuVm attaches a NoCloud seed (ISO9660 label "cidata"); nothing else to probe.
datasource_list: [NoCloud, None]
EOF

# QEMU's pc machine has a floppy, a parallel port and a PC speaker; udev loading their drivers (and blkid probing an
# empty fd0 for the seed) costs ~15 s of a TCG boot. kvm_*: no nested guests here.
printf 'blacklist %s\n' floppy parport_pc ppdev lp pcspkr kvm_amd kvm_intel powernow_k8 >"$R/etc/modprobe.d/qemu-lab-blacklist.conf"
# cloud-init renders networkd files (no ifupdown/netplan here): networkd must run to apply them.
in_chroot systemctl enable systemd-networkd.service >&2
# Only the serial console: no gettys on virtual terminals nobody sees.
in_chroot systemctl mask getty@tty1.service >&2

# initramfs: just what finds and mounts the root on a virtio disk (MODULES=most would be ~4x larger and slower to
# unpack under TCG).
printf 'MODULES=list\nCOMPRESS=zstd\n' >"$R/etc/initramfs-tools/conf.d/qemu-lab"
printf '%s\n' "${INITRAMFS_MODULES[@]}" >>"$R/etc/initramfs-tools/modules"

KVER=$(basename "$(find "$R/lib/modules" -mindepth 1 -maxdepth 1 -type d -name '[0-9]*' -print -quit)")
[[ -n $KVER && -s $R/boot/vmlinuz-$KVER ]] || die "no kernel in the root fs"
for d in "${PRUNE_MODULES[@]}"; do rm -rf "$R/lib/modules/$KVER/kernel/$d"; done
in_chroot depmod -a "$KVER"
in_chroot update-initramfs -u -k "$KVER" >&2
[[ -s $R/boot/initrd.img-$KVER ]] || die "update-initramfs made no initrd"
in_chroot lsinitramfs "/boot/initrd.img-$KVER" >"$WORK/initrd.list"
for m in "${INITRAMFS_MODULES[@]}"; do
  # In the initrd unless built into the kernel.
  grep -qE "/${m//_/[-_]}\.ko$" "$R/lib/modules/$KVER/modules.builtin" \
    || grep -qE "/${m//_/[-_]}\.ko(\.[a-z]+)?$" "$WORK/initrd.list" \
    || die "module $m is missing from the initramfs"
done
cp "$R/boot/vmlinuz-$KVER" "$WORK/vmlinuz"
cp "$R/boot/initrd.img-$KVER" "$WORK/initrd.img"

# ---------------------------------------------------------------- file system image
# Room for cloud-init's and journald's writes; the overlay (and cloud-init's resizefs) can grow it further.
USED_MIB=$(($(du -sxm "$R" | cut -f1)))
SIZE_MIB=$((USED_MIB + USED_MIB / 4 + 256))
INODES=$(($(find "$R" -xdev | wc -l) * 2 + 16384))
log "root fs: ${USED_MIB} MiB used, making a ${SIZE_MIB} MiB ext4 image"
rm -rf "$R/debootstrap"
# Fixed UUID and directory hash seed: every build's file system has the same identity.
mkfs.ext4 -q -F -L root -U 6b8f6d5e-4a2b-4c39-9d1e-0a5e5c1d7e11 -E hash_seed=0b4e0d6c-7c1a-4b1e-8a4d-6e2f3c9a1b77 \
  -N "$INODES" -d "$R" "$WORK/root.ext4" "${SIZE_MIB}M" >&2
qemu-img convert -q -f raw -O qcow2 "$WORK/root.ext4" "$WORK/base.qcow2"
rm -f "$WORK/root.ext4"

CLOUD_INIT_VERSION=$(in_chroot dpkg-query -W -f='${Version}' cloud-init)
{
  printf 'suite=%s\nmirror=%s\nkernel_release=%s\ncloud_init=%s\n' "$SUITE" "$MIRROR" "$KVER" "$CLOUD_INIT_VERSION"
  printf 'rootfs_used_mib=%s\nfs_size_mib=%s\nbuild_seconds=%s\n' "$USED_MIB" "$SIZE_MIB" "$((SECONDS - START))"
  (cd "$WORK" && sha256sum base.qcow2 vmlinuz initrd.img)
} >"$WORK/manifest.txt"
printf '%s\nkernel=%s\n' "$STAMP_KEY" "$KVER" >"$WORK/stamp"

# Stamp last: a half-written cache never looks valid.
rm -f "$OUT/stamp"
for f in base.qcow2 vmlinuz initrd.img manifest.txt stamp; do mv -f "$WORK/$f" "$OUT/$f"; done
log "built $OUT in $((SECONDS - START)) s (kernel $KVER, cloud-init $CLOUD_INIT_VERSION, base.qcow2 $(stat -c %s "$OUT/base.qcow2") bytes)"

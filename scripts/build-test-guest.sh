#!/usr/bin/env bash
# Build a tiny, reproducible QEMU test guest from Debian packages:
#   <dir>/vmlinuz          Debian kernel (bzImage) from linux-image-amd64's versioned dependency
#   <dir>/vmlinux          the same kernel decompressed (ELF with PVH entry): QEMU boots it directly,
#                          skipping ~4-7 s of in-guest xz decompression under TCG (absent if it cannot
#                          be extracted: needs xz-utils and CONFIG_PVH=y)
#   <dir>/initrd.cpio.gz   busybox-static initramfs + NIC/ACPI/virtio-blk/ISO9660 modules from that same package
#   <dir>/manifest.txt     what went in (package versions, module load order, hashes)
#   <dir>/stamp            recipe fingerprint; outputs are reused while it matches
#
# <dir> defaults to <project>/.cache/test-guest (git-ignored); override with QEMU_LAB_GUEST_DIR.
# Optional env:
#   QEMU_LAB_GUEST_KERNEL_PKG      pin the image package, e.g. linux-image-6.1.0-56-amd64[=6.1.192-2]
#   QEMU_LAB_GUEST_EXTRA_MODULES   extra module names to load (space separated; deps are resolved)
#   QEMU_LAB_BUSYBOX               static busybox binary (default: the one from busybox-static)
#   QEMU_LAB_GUEST_FORCE=1         rebuild even when the stamp matches (also picks up a newer kernel:
#                                  the warm path never asks apt, so a cached guest stays byte-stable)
#   SOURCE_DATE_EPOCH              mtime stored in the cpio (default: fixed), for byte-stable output
#
# Guest kernel command line (parsed by /init from /proc/cmdline; values must not contain spaces):
#   lab.name=NAME          hostname + banner tag ([A-Za-z0-9._-], others become '_'), default qemu-lab-guest
#   lab.listen=P1,P2       TCP ports to serve a banner on (default 22; "none" for no listener).
#                          Port 22 answers "SSH-2.0-qemu-lab-guest port=22 name=NAME\r\n",
#                          other ports "qemu-lab-guest port=P name=NAME\r\n"; then the connection closes.
#   lab.ip=ENTRY[,ENTRY]   per-interface addressing, ENTRY is one of
#                            IF:ADDR[/PREFIX[:GATEWAY]]  static address (prefix defaults to 24, or 64 for IPv6)
#                            IF:gw=GATEWAY               default route via GATEWAY
#                            IF:dhcp                     DHCP (udhcpc)
#                            IF:off                      link up, no address
#                          e.g. lab.ip=eth0:10.0.2.15/24,eth0:gw=10.0.2.2  or  lab.ip=eth0:10.0.2.15/24:10.0.2.2
#   lab.dhcp=0|1           DHCP on interfaces not named in lab.ip (default 1)
#   lab.dhcp_wait=SECONDS  how long READY waits for DHCP leases (default 10)
#   lab.ignore_acpi=1      ignore the ACPI power button (default: power off cleanly on it)
#   lab.debug=1            timestamped "QEMU-LAB-GUEST DEBUG t=<uptime> ..." progress lines
# Interfaces are named eth0, eth1, ... in driver load order (all virtio NICs first, then e1000),
# and within a driver in PCI slot order; the IF lines print mac= and driver= to map them.
# Console (ttyS0) markers: "QEMU-LAB-GUEST IF <ifname> ..." per NIC, then, when a NoCloud seed is
#   attached (see below), "QEMU-LAB-GUEST CLOUD-INIT ...", then
#   "QEMU-LAB-GUEST READY name=N acpi=poweroff|ignore listen=P,.. kernel=K uptime=S addrs=eth0=A/L+A/L,eth1=none"
#   once listeners are up (link-local fe80:: addresses omitted),
#   and "QEMU-LAB-GUEST POWEROFF" when the power button is handled.
# Disks: virtio-blk disks appear as /dev/vda, /dev/vdb, ... in -drive order.
# cloud-init NoCloud, the minimal path (after network setup and listeners, before READY): the first block
# device whose ISO9660 volume label is "cidata" (any case; a raw virtio disk, as QemuVm attaches it; a CD-ROM
# would also need sr_mod + ata_piix in QEMU_LAB_GUEST_EXTRA_MODULES) is mounted read-only on /mnt/cidata.
# meta-data's "instance-id:" is read; user-data starting with "#!/bin/sh" is run (output on the console),
# then
#   "QEMU-LAB-GUEST CLOUD-INIT ran exit=<code> instance-id=<id>"
# is printed; any other user-data (#cloud-config, ...) is ignored:
#   "QEMU-LAB-GUEST CLOUD-INIT skipped user-data (not #!/bin/sh) instance-id=<id>"
# (no seed: no CLOUD-INIT line). network-config is not applied (use lab.ip).
set -euo pipefail

SELF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF="$SELF_DIR/$(basename "${BASH_SOURCE[0]}")"
ROOT=$(dirname "$SELF_DIR")
OUT=${QEMU_LAB_GUEST_DIR:-$ROOT/.cache/test-guest}
# Fixed default mtime so identical inputs give a byte-identical initramfs.
EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
# Roots of the module set; dependencies come from each module's own modinfo "depends=".
# virtio_pci binds the PCI transport, virtio_net/e1000 are the NICs, button+evdev feed acpid,
# virtio_blk gives disks (/dev/vd*), isofs reads a NoCloud seed; sr_mod+ata_piix would add IDE CD-ROMs
# (a seed is attached as a virtio disk instead: one module fewer, the same for real cloud-init).
MODULE_ROOTS=(virtio_pci virtio_net e1000 button evdev virtio_blk isofs ${QEMU_LAB_GUEST_EXTRA_MODULES:-})
# Modules the guest cannot work without (anything else missing is only a warning).
REQUIRED_MODULES=" virtio_pci virtio_net e1000 virtio_blk isofs "

log() { printf 'build-test-guest: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# Serialize concurrent builders (parallel jest workers) on the same cache dir.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$OUT/.lock"
  flock 9
fi

# ---------------------------------------------------------------- inputs
# Static busybox is required: the initramfs has no libc.
BUSYBOX=${QEMU_LAB_BUSYBOX:-}
if [[ -z $BUSYBOX ]]; then
  dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' \
    || die "busybox-static is not installed (apt-get install busybox-static), or set QEMU_LAB_BUSYBOX"
  BUSYBOX=$(dpkg-query -L busybox-static | grep -E '/busybox$' | head -n1)
fi
[[ -x $BUSYBOX ]] || die "busybox binary not found: $BUSYBOX"
for tool in apt-get apt-cache dpkg-deb gzip sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool"
done

# Everything that shapes the output besides the kernel: this script, busybox, module roots, mtime.
RECIPE=$(cat "$SELF" "$BUSYBOX" | sha256sum | cut -d' ' -f1)
STAMP_KEY=$(printf 'recipe=%s modules=%s epoch=%s\nkernel_request=%s' \
  "$RECIPE" "${MODULE_ROOTS[*]}" "$EPOCH" "${QEMU_LAB_GUEST_KERNEL_PKG:-linux-image-amd64}")

# ---------------------------------------------------------------- warm path
# No apt query here: it is slow without apt's pkgcache and the cached kernel should stay put.
if [[ ${QEMU_LAB_GUEST_FORCE:-0} != 1 && -s $OUT/vmlinuz && -s $OUT/initrd.cpio.gz && -s $OUT/stamp ]] \
  && [[ $(head -n2 "$OUT/stamp") == "$STAMP_KEY" ]]; then
  log "up to date ($(sed -n 's/^kernel=//p' "$OUT/stamp")) in $OUT"
  exit 0
fi

APT_UPDATED=0
apt_update_once() {
  # Only refresh lists when a lookup/download failed; needs root.
  [[ $APT_UPDATED == 0 ]] || return 1
  APT_UPDATED=1
  [[ $(id -u) == 0 ]] || { log "apt lists look missing/stale and we are not root: run 'apt-get update'"; return 1; }
  log "running apt-get update (lists missing or stale)"
  apt-get update -qq >&2
}

resolve_kernel() {
  # linux-image-amd64 is a metapackage: its Depends names the real versioned image package.
  local spec=${QEMU_LAB_GUEST_KERNEL_PKG:-} pkg ver
  if [[ -z $spec ]]; then
    pkg=$(apt-cache show --no-all-versions linux-image-amd64 2>/dev/null \
      | sed -n 's/^Depends:.*\(linux-image-[0-9][^ ,]*-amd64\).*/\1/p' | head -n1) || true
    [[ -n $pkg ]] || return 1
  else
    pkg=${spec%%=*}
  fi
  if [[ $spec == *=* ]]; then
    ver=${spec#*=}
  else
    ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | sed -n 's/^Version: *//p' | head -n1) || true
  fi
  [[ -n $ver ]] || return 1
  printf '%s=%s\n' "$pkg" "$ver"
}

if ! KERNEL_SPEC=$(resolve_kernel); then
  apt_update_once || die "cannot resolve linux-image-amd64 (no apt lists?)"
  KERNEL_SPEC=$(resolve_kernel) || die "cannot resolve linux-image-amd64 after apt-get update"
fi

# ---------------------------------------------------------------- build
# Temp dir next to the outputs so the final mv is atomic and /tmp (maybe tmpfs) stays small.
WORK=$(mktemp -d "$OUT/.build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
log "building guest from $KERNEL_SPEC into $OUT"

download_kernel() {
  # Running as root, apt drops to _apt which cannot write our 0700 temp dir: stay root to avoid the warning.
  local sandbox=()
  [[ $(id -u) == 0 ]] && sandbox=(-o APT::Sandbox::User=root)
  (cd "$WORK" && apt-get download -q "${sandbox[@]}" "$KERNEL_SPEC" >&2)
}
if ! download_kernel; then
  # A stale or missing list is the usual reason: refresh once, re-resolve, retry.
  apt_update_once || die "apt-get download $KERNEL_SPEC failed"
  if [[ -z ${QEMU_LAB_GUEST_KERNEL_PKG:-} ]]; then KERNEL_SPEC=$(resolve_kernel) || die "cannot resolve kernel"; fi
  download_kernel || die "apt-get download $KERNEL_SPEC failed after apt-get update"
fi
DEB=$(ls "$WORK"/linux-image-*.deb)
dpkg-deb -x "$DEB" "$WORK/pkg"

# Bookworm ships /lib/modules, merged-/usr releases /usr/lib/modules.
MODDIR=$(find "$WORK/pkg" -mindepth 3 -maxdepth 4 -type d -path '*/lib/modules/*' -name '[0-9]*' -print -quit)
[[ -n $MODDIR ]] || die "no lib/modules/<version> in $DEB"
KVER=$(basename "$MODDIR")
VMLINUZ="$WORK/pkg/boot/vmlinuz-$KVER"
[[ -s $VMLINUZ ]] || die "no boot/vmlinuz-$KVER in $DEB"

# Module lookup by name; file names may use '-' where module names use '_'.
find_module() {
  local pat=${1//_/[-_]}
  find "$MODDIR/kernel" -type f \( -name "$pat.ko" -o -name "$pat.ko.xz" -o -name "$pat.ko.zst" -o -name "$pat.ko.gz" \) -print -quit
}
is_builtin() { [[ -f $MODDIR/modules.builtin ]] && grep -qE "/${1//_/[-_]}\.ko\$" "$MODDIR/modules.builtin"; }
decompress_module() {
  # busybox insmod cannot load compressed modules: store them plain.
  case $1 in
    *.ko.xz) xz -dc "$1" ;;
    *.ko.zst) zstd -dc "$1" ;;
    *.ko.gz) gzip -dc "$1" ;;
    *) cat "$1" ;;
  esac
}
module_depends() {
  # The .modinfo section holds NUL-separated key=value strings, including depends=a,b.
  decompress_module "$1" | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n1 | tr ',' ' '
}

ROOTFS="$WORK/rootfs"
mkdir -p "$ROOTFS"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,mnt/cidata,var/log,etc/lab,etc/udhcpc,etc/acpi/PWRF,lib/modules}
declare -A SEEN=()
LOAD_ORDER=() BUILTIN=() MISSING=()
add_module() {
  # Depth-first: dependencies are appended before the module that needs them (insmod order).
  local m=$1 file dep
  [[ -n ${SEEN[$m]:-} ]] && return 0
  SEEN[$m]=1
  file=$(find_module "$m")
  if [[ -z $file ]]; then
    if is_builtin "$m"; then BUILTIN+=("$m"); return 0; fi
    [[ $REQUIRED_MODULES == *" $m "* ]] && die "module $m is neither built in nor shipped in $DEB"
    MISSING+=("$m"); log "warning: module $m not found, skipped"; return 0
  fi
  for dep in $(module_depends "$file"); do add_module "$dep"; done
  decompress_module "$file" >"$ROOTFS/lib/modules/$m.ko"
  LOAD_ORDER+=("$m")
}
for m in "${MODULE_ROOTS[@]}"; do add_module "$m"; done
printf '%s\n' "${LOAD_ORDER[@]}" >"$ROOTFS/etc/lab/modules"

# Busybox and one symlink per applet (fixed list, so the archive is deterministic).
cp "$BUSYBOX" "$ROOTFS/bin/busybox"
chmod 0755 "$ROOTFS/bin/busybox"
while read -r applet; do
  [[ $applet == bin/busybox || -e $ROOTFS/$applet ]] && continue
  mkdir -p "$ROOTFS/$(dirname "$applet")"
  ln -s /bin/busybox "$ROOTFS/$applet"
done < <("$BUSYBOX" --list-full | LC_ALL=C sort)
[[ -e $ROOTFS/bin/sh ]] || ln -s /bin/busybox "$ROOTFS/bin/sh"

printf 'root:x:0:0:root:/:/bin/sh\n' >"$ROOTFS/etc/passwd"
printf 'root:x:0:\n' >"$ROOTFS/etc/group"
printf '%s\n' "$KVER" >"$ROOTFS/etc/lab/kernel-version"

# Banner served by "nc -ll -e" on every listened port: one identifiable line, then close.
cat >"$ROOTFS/bin/lab-banner" <<'EOF'
#!/bin/sh
# usage: lab-banner PORT NAME  (stdin/stdout are the accepted TCP connection)
if [ "$1" = 22 ]; then
  printf 'SSH-2.0-qemu-lab-guest port=%s name=%s\r\n' "$1" "$2"
else
  printf 'qemu-lab-guest port=%s name=%s\r\n' "$1" "$2"
fi
EOF

# udhcpc hook: apply the lease (touching only the leased address, so static ones on the same NIC
# survive), record it for the READY wait.
cat >"$ROOTFS/etc/udhcpc/default.script" <<'EOF'
#!/bin/sh
# udhcpc event hook (env: interface ip mask router dns domain); lease kept in /run/dhcp.$interface
lease=/run/dhcp.$interface
old=$(cat "$lease" 2>/dev/null)
case "$1" in
  deconfig)
    [ -n "$old" ] && ip addr del "$old" dev "$interface" 2>/dev/null
    rm -f "$lease"
    ;;
  bound|renew)
    new="$ip/${mask:-24}"
    [ -n "$old" ] && [ "$old" != "$new" ] && ip addr del "$old" dev "$interface" 2>/dev/null
    ip addr add "$new" dev "$interface" 2>/dev/null
    if [ -n "$router" ]; then
      ip route del default dev "$interface" 2>/dev/null
      for r in $router; do ip route add default via "$r" dev "$interface" && break; done
    fi
    : >/etc/resolv.conf
    [ -n "$domain" ] && echo "search $domain" >>/etc/resolv.conf
    for d in $dns; do echo "nameserver $d" >>/etc/resolv.conf; done
    echo "$new" >"$lease"
    ;;
esac
exit 0
EOF

# busybox acpid maps the power button (KEY_POWER on /dev/input/event*) to <confdir>/PWRF/00000080.
cat >"$ROOTFS/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/sh
echo "QEMU-LAB-GUEST POWEROFF name=$(hostname) (ACPI power button)" >/dev/console
sync
# -f: call reboot(2) directly; PID 1 is a shell, not an init that understands signals.
poweroff -f
EOF

cat >"$ROOTFS/init" <<'EOF'
#!/bin/sh
# PID 1 of the qemu-lab test guest; cmdline contract documented in scripts/build-test-guest.sh.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t devtmpfs devtmpfs /dev
# devtmpfs hides the archive's /dev: re-attach stdio to the console node it provides.
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts

log() { echo "QEMU-LAB-GUEST $*"; }
# lab.debug=1: timestamped progress lines (read is a builtin: no fork per line).
dbg() { [ "$DEBUG" = 1 ] || return 0; read -r up _ </proc/uptime; echo "QEMU-LAB-GUEST DEBUG t=$up $*"; }

NAME=qemu-lab-guest LISTEN=22 IPSPEC= DHCP=1 DHCP_WAIT=10 IGNORE_ACPI=0 DEBUG=0
set -f  # cmdline words are data: no globbing
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    lab.name=*) NAME=${arg#lab.name=} ;;
    lab.listen=*) LISTEN=${arg#lab.listen=} ;;
    lab.ip=*) IPSPEC=${arg#lab.ip=} ;;
    lab.dhcp=*) DHCP=${arg#lab.dhcp=} ;;
    lab.dhcp_wait=*) DHCP_WAIT=${arg#lab.dhcp_wait=} ;;
    lab.ignore_acpi=*) IGNORE_ACPI=${arg#lab.ignore_acpi=} ;;
    lab.debug=*) DEBUG=${arg#lab.debug=} ;;
  esac
done
set +f
NAME=$(printf '%s' "$NAME" | tr -c 'A-Za-z0-9._-' '_')
[ -n "$NAME" ] || NAME=qemu-lab-guest
hostname "$NAME"
echo "$NAME" >/etc/hostname
dbg "init started"

# Dependencies first (order computed at build time from modinfo).
while read -r m; do
  insmod "/lib/modules/$m.ko" || log "WARN insmod $m failed"
  dbg "insmod $m"
done </etc/lab/modules

# Links up as early as possible: e1000 needs ~2 s to report carrier.
ip link set lo up
IFACES=
for path in /sys/class/net/*; do
  ifc=${path##*/}
  [ "$ifc" = lo ] && continue
  ip link set "$ifc" up
  IFACES="$IFACES $ifc"
done
dbg "links up:$IFACES"

# Power button handling before anything slow, so an early system_powerdown is honoured too.
if [ "$IGNORE_ACPI" = 1 ]; then
  ACPI=ignore
else
  # Foreground inside a background job so it stays a child of PID 1.
  acpid -f -c /etc/acpi -l /var/log/acpid.log -p /run/acpid.pid &
  ACPI=poweroff
fi

# Banner listeners bind 0.0.0.0, so they can start before any address exists.
[ "$LISTEN" = none ] && LISTEN=
PORTS=$(echo "$LISTEN" | tr ',' ' ')
for p in $PORTS; do
  nc -ll -p "$p" -e /bin/lab-banner "$p" "$NAME" &
done

# Print the lab.ip entries for interface $1, one per line, without the "IF:" prefix.
entries_for() {
  local IFS=,
  for e in $IPSPEC; do
    case "$e" in "$1":*) echo "${e#*:}" ;; esac
  done
}

add_static() {  # add_static IF ADDR[/PREFIX[:GATEWAY]]
  local ifc=$1 spec=$2 addr pfx gw=
  addr=${spec%%/*}
  if [ "$addr" != "$spec" ]; then
    pfx=${spec#*/}
    case "$pfx" in *:*) gw=${pfx#*:}; pfx=${pfx%%:*} ;; esac
  else
    case "$addr" in *:*) pfx=64 ;; *) pfx=24 ;; esac
  fi
  ip addr add "$addr/$pfx" dev "$ifc" || log "WARN ip addr add $addr/$pfx dev $ifc failed"
  [ -z "$gw" ] || ip route add default via "$gw" dev "$ifc" || log "WARN default via $gw dev $ifc failed"
}

DHCP_IFS=
set -f
for ifc in $IFACES; do
  ents=$(entries_for "$ifc")
  if [ -z "$ents" ]; then
    if [ "$DHCP" = 0 ]; then ents=off; else ents=dhcp; fi
  fi
  gws=
  for e in $ents; do
    case "$e" in
      off) ;;
      dhcp) DHCP_IFS="$DHCP_IFS $ifc" ;;
      gw=*) gws="$gws ${e#gw=}" ;;
      *) add_static "$ifc" "$e" ;;
    esac
  done
  # Gateways last: the route needs the interface's address to be in place.
  for g in $gws; do ip route add default via "$g" dev "$ifc" || log "WARN default via $g dev $ifc failed"; done
done
set +f
dbg "static config done; dhcp on:${DHCP_IFS:- none}"

# One udhcpc per interface, in parallel and kept running (renewals); READY waits up to DHCP_WAIT.
for ifc in $DHCP_IFS; do
  udhcpc -f -i "$ifc" -s /etc/udhcpc/default.script -x "hostname:$NAME" -t 5 -T 1 -A 3 >/dev/null 2>&1 &
done
ticks=$((DHCP_WAIT * 10))
while [ "$ticks" -gt 0 ]; do
  pending=
  for ifc in $DHCP_IFS; do [ -f "/run/dhcp.$ifc" ] || pending=1; done
  [ -z "$pending" ] && break
  usleep 100000
  ticks=$((ticks - 1))
done
dbg "dhcp wait over"

# READY only once each port shows up as LISTEN (state 0A) in /proc/net/tcp{,6}.
for p in $PORTS; do
  hex=$(printf ':%04X ' "$p")
  i=0
  until cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -q "$hex[0-9A-F:]* 0A "; do
    i=$((i + 1)); [ "$i" -gt 50 ] && { log "WARN port $p not listening"; break; }
    usleep 100000
  done
done

# NoCloud seed: the volume id is 32 bytes at 32808 of an ISO9660 image ("CD001" at 32769).
iso_label() {
  [ "$(dd if="$1" bs=1 skip=32769 count=5 2>/dev/null)" = CD001 ] || return 0
  dd if="$1" bs=1 skip=32808 count=32 2>/dev/null | tr -d ' '
}
for blk in /sys/block/*; do
  dev=/dev/${blk##*/}
  case "${blk##*/}" in loop*|ram*) continue ;; esac
  label=$(iso_label "$dev" | tr 'A-Z' 'a-z')
  [ "$label" = cidata ] || continue
  mount -t iso9660 -o ro "$dev" /mnt/cidata || { log "WARN mount $dev (cidata) failed"; break; }
  iid=$(sed -n 's/^instance-id: *//p' /mnt/cidata/meta-data 2>/dev/null | head -n1)
  first=
  [ -f /mnt/cidata/user-data ] && read -r first </mnt/cidata/user-data
  case "$first" in
    '#!/bin/sh'*)
      cp /mnt/cidata/user-data /run/user-data
      chmod 0700 /run/user-data
      /run/user-data
      log "CLOUD-INIT ran exit=$? instance-id=${iid:-none}" ;;
    *) log "CLOUD-INIT skipped user-data (not #!/bin/sh) instance-id=${iid:-none}" ;;
  esac
  break
done
dbg "cloud-init done"

ADDRS=
for ifc in $IFACES; do
  path=/sys/class/net/$ifc
  a=$(ip -o addr show dev "$ifc" | awk '$3 == "inet" || $3 == "inet6" { print $4 }' | grep -v '^fe80:' | tr '\n' '+')
  a=${a%+}
  drv=$(readlink "$path/device/driver" 2>/dev/null)
  log "IF $ifc mac=$(cat "$path/address") driver=${drv##*/} addrs=${a:-none}"
  ADDRS="$ADDRS${ADDRS:+,}$ifc=${a:-none}"
done
read -r up _ </proc/uptime
log "READY name=$NAME acpi=$ACPI listen=${LISTEN:-none} kernel=$(uname -r) uptime=$up addrs=${ADDRS:-none}"

# PID 1 must never exit (that panics the kernel); sleeping also reaps orphans.
while :; do sleep 3600; done
EOF

chmod 0755 "$ROOTFS/init" "$ROOTFS/bin/lab-banner" "$ROOTFS/etc/udhcpc/default.script" "$ROOTFS/etc/acpi/PWRF/00000080"

# newc writer (kernel docs: early-userspace/buffer-format): cpio tools store host inode numbers,
# this one numbers entries in sorted order, so identical inputs give a byte-identical archive.
CPIO_PAD=('' '\0' '\0\0' '\0\0\0')
CPIO_INO=0
cpio_entry() {  # cpio_entry NAME MODE(octal, with type bits) SIZE RDEVMAJOR RDEVMINOR
  local name=$1 mode=$2 size=$3 namesize=$((${#1} + 1)) nlink=1
  [[ $((8#$mode & 8#170000)) == $((8#040000)) ]] && nlink=2
  CPIO_INO=$((CPIO_INO + 1))
  printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
    "$CPIO_INO" "$((8#$mode))" 0 0 "$nlink" "$EPOCH" "$size" 0 0 "$4" "$5" "$namesize" 0
  printf '%s\0' "$name"
  printf "${CPIO_PAD[$(((4 - (110 + namesize) % 4) % 4))]}"
}
write_initramfs() {
  local rel type perm size target
  while IFS=$'\t' read -r rel type perm size target; do
    case $type in
      d) cpio_entry "$rel" "04$perm" 0 0 0 ;;
      l) cpio_entry "$rel" "12$perm" "${#target}" 0 0
         printf '%s' "$target"
         printf "${CPIO_PAD[$(((4 - ${#target} % 4) % 4))]}" ;;
      f) cpio_entry "$rel" "10$perm" "$size" 0 0
         cat "$ROOTFS/$rel"
         printf "${CPIO_PAD[$(((4 - size % 4) % 4))]}" ;;
      *) die "unexpected file type $type for $rel" ;;
    esac
  done < <(cd "$ROOTFS" && find . -mindepth 1 ! -path ./dev/console -printf '%P\t%y\t%04m\t%s\t%l\n' | LC_ALL=C sort)
  # Device nodes cannot be created unprivileged, but an archive entry can (after /dev exists):
  # the kernel opens /dev/console for init's stdio before /init runs.
  cpio_entry dev/console 020600 0 5 1
  cpio_entry TRAILER!!! 0 0 0 0
}
write_initramfs | gzip -9 -n >"$WORK/initrd.cpio.gz"
cp "$VMLINUZ" "$WORK/vmlinuz"

extract_vmlinux() {
  # bzImage header: setup_sects @0x1f1, payload_offset @0x248 / payload_length @0x24c (after the setup code).
  local img=$1 sects off len start magic
  sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$img" | tr -d ' ')
  [[ $sects == 0 ]] && sects=4
  off=$(od -An -tu4 -j $((0x248)) -N4 "$img" | tr -d ' ')
  len=$(od -An -tu4 -j $((0x24c)) -N4 "$img" | tr -d ' ')
  start=$(((sects + 1) * 512 + off))
  magic=$(tail -c +$((start + 1)) "$img" | head -c 4 | od -An -tx1 | tr -d ' \n') || true
  local -a unpack
  case $magic in
    fd377a58) unpack=(xz -dc --single-stream) ;;  # busybox xzcat lacks the x86 BCJ filter
    1f8b*) unpack=(gzip -dc) ;;
    28b52ffd) unpack=(zstd -dc) ;;
    *) log "note: kernel payload compression ($magic) not handled, no vmlinux"; return 1 ;;
  esac
  command -v "${unpack[0]}" >/dev/null 2>&1 || { log "note: ${unpack[0]} missing, no vmlinux"; return 1; }
  # Trailing size bytes make some decompressors complain; the ELF check below is the real test.
  tail -c +$((start + 1)) "$img" | head -c "$len" | "${unpack[@]}" >"$2" 2>/dev/null || true
  [[ $(head -c 4 "$2" | od -An -tx1 | tr -d ' \n') == 7f454c46 ]] || { log "note: vmlinux extraction failed"; rm -f "$2"; return 1; }
}
# PVH lets QEMU enter the uncompressed ELF directly (no bootloader, no decompressor).
if grep -qx 'CONFIG_PVH=y' "$WORK/pkg/boot/config-$KVER" 2>/dev/null; then
  extract_vmlinux "$VMLINUZ" "$WORK/vmlinux" || true
else
  log "note: kernel lacks CONFIG_PVH, no vmlinux"
fi

{
  printf 'kernel_package=%s\nkernel_release=%s\n' "$KERNEL_SPEC" "$KVER"
  printf 'busybox=%s (%s)\n' "$BUSYBOX" "$("$BUSYBOX" 2>&1 | head -n1)"
  printf 'modules_load_order=%s\n' "${LOAD_ORDER[*]}"
  printf 'modules_builtin=%s\n' "${BUILTIN[*]:-}"
  printf 'modules_missing=%s\n' "${MISSING[*]:-}"
  (cd "$WORK" && sha256sum vmlinuz initrd.cpio.gz && if [[ -f vmlinux ]]; then sha256sum vmlinux; fi)
} >"$WORK/manifest.txt"
printf '%s\nkernel=%s\n' "$STAMP_KEY" "$KERNEL_SPEC" >"$WORK/stamp"

# Stamp last: a half-written cache never looks valid.
rm -f "$OUT/stamp"
mv -f "$WORK/vmlinuz" "$OUT/vmlinuz"
mv -f "$WORK/initrd.cpio.gz" "$OUT/initrd.cpio.gz"
if [[ -f $WORK/vmlinux ]]; then mv -f "$WORK/vmlinux" "$OUT/vmlinux"; else rm -f "$OUT/vmlinux"; fi
mv -f "$WORK/manifest.txt" "$OUT/manifest.txt"
mv -f "$WORK/stamp" "$OUT/stamp"
log "built $OUT (kernel $KVER, modules: ${LOAD_ORDER[*]}, initrd $(stat -c %s "$OUT/initrd.cpio.gz") bytes)"

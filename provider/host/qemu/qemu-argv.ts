import { formatHostFwdRule } from "./hostfwd";
import { qemuOpts, qemuOptValue } from "./qemu-escape";

/** The QEMU binary launched for every VM (found on PATH). */
export const QEMU_BINARY = "qemu-system-x86_64";

/** Where Debian/Ubuntu install the setuid bridge helper. */
export const DEFAULT_BRIDGE_HELPER = "/usr/lib/qemu/qemu-bridge-helper";

/** One user-mode (slirp) host forward: host `hostAddress:hostPort` → guest `guestPort`. */
export interface HostForwardSpec {
  protocol: "tcp" | "udp";
  /** `0.0.0.0` means every host address. */
  hostAddress: string;
  hostPort: number;
  guestPort: number;
}

/** A NIC as launched: ids and MACs already resolved. */
export type NicSpec =
  | { type: "user"; id: string; model: string; mac: string; hostForwards: HostForwardSpec[] }
  | { type: "bridge"; id: string; bridge: string; model: string; mac: string; helper: string };

/** A disk image. */
export interface DiskSpec {
  path: string;
  format?: string;
  readOnly: boolean;
  interface: string;
  /** Set for a qcow2 overlay (created before launch): preflight checks the base rather than the overlay. */
  overlay?: { backingFile: string };
}

/** The QEMU id of the drive of `disks[index]` (its BlockBackend name: QMP `block_resize`, `query-block`). */
export function diskDriveId(index: number): string {
  return `disk${index}`;
}

/** The QEMU id of the cloud-init seed drive. */
export const SEED_DRIVE_ID = "cidata";

/** Everything that shapes the QEMU command line of a VM (validated inputs with defaults applied). */
export interface QemuVmSpec {
  name: string;
  memoryMiB: number;
  cpus: number;
  accel: "kvm" | "tcg" | "auto";
  machine?: string;
  cpuModel?: string;
  kernel?: string;
  initrd?: string;
  kernelArgs?: string;
  disks: DiskSpec[];
  cdroms: string[];
  nics: NicSpec[];
  /** A cloud-init NoCloud seed ISO, attached read-only as a raw virtio disk after every other drive. */
  seedIso?: string;
}

/** The runtime files QEMU writes (see vmPaths). */
export interface QemuRuntimeFiles {
  qmpSocket: string;
  pidFile: string;
  serialLog: string;
}

/** `-accel` options: `auto` lists kvm then tcg, and QEMU itself falls back to tcg when KVM cannot initialize. */
export function accelArgs(accel: QemuVmSpec["accel"]): string[] {
  if (accel === "auto") return ["-accel", "kvm", "-accel", "tcg"];
  return ["-accel", accel];
}

function nicArgs(nic: NicSpec): string[] {
  const netdev =
    nic.type === "user"
      ? qemuOpts("user", [["id", nic.id], ...nic.hostForwards.map((f) => ["hostfwd", formatHostFwdRule(f)] as const)])
      : qemuOpts("bridge", [["id", nic.id], ["br", nic.bridge], ["helper", nic.helper]]);
  const device = qemuOpts(qemuOptValue(nic.model), [["netdev", nic.id], ["mac", nic.mac]]);
  return ["-netdev", netdev, "-device", device];
}

function diskArgs(d: DiskSpec, index: number): string[] {
  return ["-drive", qemuOpts(undefined, [["id", diskDriveId(index)], ["file", d.path], ["format", d.format], ["if", d.interface], ["readonly", d.readOnly ? "on" : undefined]])];
}

/**
 * The QEMU argv (without the binary) for a daemonized, headless VM with a QMP socket, a serial log and a
 * pidfile. Values inside option lists are comma-escaped; `-kernel`/`-initrd`/`-append`/`-pidfile` take
 * their value verbatim. Pure.
 */
export function buildQemuArgv(spec: QemuVmSpec, files: QemuRuntimeFiles): string[] {
  const a: string[] = ["-name", qemuOpts(undefined, [["guest", spec.name]]), ...accelArgs(spec.accel)];
  if (spec.machine) a.push("-machine", qemuOptValue(spec.machine));
  if (spec.cpuModel) a.push("-cpu", qemuOptValue(spec.cpuModel));
  a.push("-m", String(spec.memoryMiB), "-smp", String(spec.cpus));
  if (spec.kernel) a.push("-kernel", spec.kernel);
  if (spec.initrd) a.push("-initrd", spec.initrd);
  if (spec.kernelArgs) a.push("-append", spec.kernelArgs);
  spec.disks.forEach((d, i) => a.push(...diskArgs(d, i)));
  for (const c of spec.cdroms) a.push("-drive", qemuOpts(undefined, [["file", c], ["media", "cdrom"], ["readonly", "on"]]));
  // A virtio disk, not a CD-ROM: real cloud-init finds `cidata` on any block device, and guests need no ATAPI driver.
  // Last, so the user's disks keep their names (/dev/vda, …).
  if (spec.seedIso) a.push("-drive", qemuOpts(undefined, [["id", SEED_DRIVE_ID], ["file", spec.seedIso], ["format", "raw"], ["if", "virtio"], ["readonly", "on"]]));
  if (spec.nics.length === 0) a.push("-nic", "none"); // otherwise QEMU adds a default NIC
  for (const n of spec.nics) a.push(...nicArgs(n));
  a.push(
    "-display", "none",
    "-monitor", "none",
    "-chardev", qemuOpts("file", [["id", "serial0"], ["path", files.serialLog]]),
    "-serial", "chardev:serial0",
    "-chardev", qemuOpts("socket", [["id", "qmp"], ["path", files.qmpSocket], ["server", "on"], ["wait", "off"]]),
    "-mon", "chardev=qmp,mode=control",
    "-pidfile", files.pidFile,
    "-daemonize",
  );
  return a;
}

import * as pulumi from "@pulumi/pulumi";
import type { HostArgs } from "./host";
import { ownerLabel, providerShim, TYPE_MODULE } from "./shim";

/** NIC device models; use e1000 for guests without virtio drivers (Windows before virtio-win is installed). */
export type QemuNicModel = "virtio-net-pci" | "e1000" | "e1000e" | "rtl8139" | "vmxnet3";

/** A user-mode (slirp) forward from the host to the guest, applied live when changed. */
export interface QemuHostForwardArgs {
  /** Default "tcp". */
  protocol?: pulumi.Input<"tcp" | "udp">;
  /** IPv4 address to listen on in the VM's network namespace; default "0.0.0.0" (every address, like `hostfwd=tcp::2222-:22`). */
  hostAddress?: pulumi.Input<string>;
  hostPort: pulumi.Input<number>;
  guestPort: pulumi.Input<number>;
}

/** A user-mode NIC: `-netdev user,id=net0,hostfwd=… -device virtio-net-pci,netdev=net0,mac=…`. */
export interface QemuUserNicArgs {
  type: pulumi.Input<"user">;
  /** The netdev id (PortForward's `netdev`); default `net<index>`. */
  id?: pulumi.Input<string>;
  /** Default "virtio-net-pci". */
  model?: pulumi.Input<QemuNicModel>;
  /** Default: stable 52:54:00:xx:xx:xx derived from the VM name and NIC index. */
  mac?: pulumi.Input<string>;
  hostForwards?: pulumi.Input<pulumi.Input<QemuHostForwardArgs>[]>;
}

/** A NIC on a Linux bridge through qemu-bridge-helper: `-netdev bridge,br=…,helper=…` (needs an `allow <bridge>` ACL). */
export interface QemuBridgeNicArgs {
  type: pulumi.Input<"bridge">;
  /** The bridge (in the VM's network namespace). */
  bridge: pulumi.Input<string>;
  /** The netdev id; default `net<index>`. */
  id?: pulumi.Input<string>;
  /** Default "virtio-net-pci". */
  model?: pulumi.Input<QemuNicModel>;
  /** Default: stable 52:54:00:xx:xx:xx derived from the VM name and NIC index. */
  mac?: pulumi.Input<string>;
  /** Path of qemu-bridge-helper; default /usr/lib/qemu/qemu-bridge-helper. */
  helper?: pulumi.Input<string>;
}

/** A disk image: `-drive file=…,format=…,if=…[,readonly=on]`. */
export interface QemuDiskArgs {
  path: pulumi.Input<string>;
  /** Image format; absent: QEMU probes it (and restricts writes to sector 0 of raw images). */
  format?: pulumi.Input<"raw" | "qcow2" | "vmdk" | "vdi" | "vhdx" | "qed">;
  readOnly?: pulumi.Input<boolean>;
  /** Default "virtio". */
  interface?: pulumi.Input<"virtio" | "ide" | "scsi" | "sd" | "none">;
}

/** Arguments of a {@link QemuVm}. Every hardware change replaces the VM (stop, then start); inline hostForwards change live. */
export interface QemuVmArgs {
  /** VM name (`-name`, state dir `<stateDir>/vms/<name>`); 1–63 of letters, digits, `_ . -`. Default: resource name plus a random suffix. */
  name?: pulumi.Input<string>;
  /** Default 512. */
  memoryMiB?: pulumi.Input<number>;
  /** Default 1. */
  cpus?: pulumi.Input<number>;
  /** Default "auto": `-accel kvm -accel tcg`, QEMU uses KVM when it initializes and TCG otherwise. */
  accel?: pulumi.Input<"kvm" | "tcg" | "auto">;
  /** Machine type, e.g. "q35"; default QEMU's ("pc"). */
  machine?: pulumi.Input<string>;
  /** CPU model, e.g. "max" or "host" (KVM only). */
  cpuModel?: pulumi.Input<string>;
  /** Direct kernel boot. */
  kernel?: pulumi.Input<string>;
  initrd?: pulumi.Input<string>;
  kernelArgs?: pulumi.Input<string>;
  disks?: pulumi.Input<pulumi.Input<QemuDiskArgs>[]>;
  /** ISO images attached as read-only CD-ROMs (e.g. virtio-win.iso). */
  cdroms?: pulumi.Input<pulumi.Input<string>[]>;
  nics: pulumi.Input<pulumi.Input<QemuUserNicArgs | QemuBridgeNicArgs>[]>;
  /** How long delete waits for the guest to power off after the ACPI power button before `quit`/SIGKILL; default 30. */
  stopTimeoutSeconds?: pulumi.Input<number>;
  host?: HostArgs;
}

/**
 * A QEMU VM that keeps running after `pulumi up` (daemonized, with a QMP socket and a serial log in its
 * state dir). Create returns once QMP reports "running"; delete powers the guest off gracefully.
 */
export class QemuVm extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly memoryMiB: pulumi.Output<number>;
  declare readonly cpus: pulumi.Output<number>;
  declare readonly accel: pulumi.Output<"kvm" | "tcg" | "auto">;
  declare readonly machine: pulumi.Output<string | undefined>;
  declare readonly cpuModel: pulumi.Output<string | undefined>;
  declare readonly kernel: pulumi.Output<string | undefined>;
  declare readonly initrd: pulumi.Output<string | undefined>;
  declare readonly kernelArgs: pulumi.Output<string | undefined>;
  declare readonly disks: pulumi.Output<Array<{ path: string; format?: string; readOnly: boolean; interface: string }>>;
  declare readonly cdroms: pulumi.Output<string[]>;
  /** The NICs as running, with ids, MACs and (for user NICs) the forwards QEMU really has. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form NIC records, as the provider reports them
  declare readonly nics: pulumi.Output<Array<Record<string, any>>>;
  declare readonly stopTimeoutSeconds: pulumi.Output<number>;
  declare readonly host: pulumi.Output<{ netns?: string; stateDir?: string }>;
  /** Random id, new whenever QEMU is (re)started; give it to a PortForward so forwards follow restarts. */
  declare readonly instanceId: pulumi.Output<string>;
  /** QEMU's pid while it runs. */
  declare readonly pid: pulumi.Output<number | undefined>;
  /** The QMP unix socket (PortForward's `qmpSocket`). */
  declare readonly qmpSocket: pulumi.Output<string>;
  /** The guest's serial console log. */
  declare readonly serialLog: pulumi.Output<string>;
  /** Each NIC's MAC, by position. */
  declare readonly macs: pulumi.Output<string[]>;
  /** QMP status (running, paused, …), or "stopped" when QEMU is gone (the next up starts it again). */
  declare readonly status: pulumi.Output<string>;
  /** The accelerator in use: "kvm" or "tcg". */
  declare readonly acceleration: pulumi.Output<string | undefined>;

  constructor(name: string, args: QemuVmArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerShim("QemuVm"),
      name,
      {
        __resourceName: name,
        __owner: ownerLabel(name),
        name: args.name,
        memoryMiB: args.memoryMiB,
        cpus: args.cpus,
        accel: args.accel,
        machine: args.machine,
        cpuModel: args.cpuModel,
        kernel: args.kernel,
        initrd: args.initrd,
        kernelArgs: args.kernelArgs,
        disks: args.disks,
        cdroms: args.cdroms,
        nics: args.nics,
        stopTimeoutSeconds: args.stopTimeoutSeconds,
        host: args.host,
        instanceId: undefined,
        pid: undefined,
        qmpSocket: undefined,
        serialLog: undefined,
        macs: undefined,
        status: undefined,
        acceleration: undefined,
      },
      opts,
      TYPE_MODULE,
      "QemuVm",
    );
  }
}

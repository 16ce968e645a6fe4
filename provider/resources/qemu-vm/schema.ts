import { z } from "zod";
import { absolutePathSchema, interfaceNameSchema } from "../common/naming";
import { hostSchema } from "../common/host-schema";
import { DEFAULT_FORWARD_ADDRESS, ipv4Schema, macAddressSchema, portSchema, vmNameSchema } from "../common/value-schemas";
import { DEFAULT_BRIDGE_HELPER } from "../../host/qemu/qemu-argv";
import { qmpSocketProblem } from "../../host/qemu/vm-paths";

/** NIC models QEMU's x86 machines offer; e1000 for guests without virtio drivers (Windows before virtio-win). */
export const NIC_MODELS = ["virtio-net-pci", "e1000", "e1000e", "rtl8139", "vmxnet3"] as const;

function nicIdSchema() {
  return z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,31}$/, "must start with a letter and contain only letters, digits and _ . - (a QEMU id, max 32)");
}

/** A user-mode forward `hostAddress:hostPort` → guest `guestPort`. Default: tcp on 127.0.0.1 (as PortForward). */
export function hostForwardSchema() {
  return z
    .object({
      /** Default "tcp". */
      protocol: z.enum(["tcp", "udp"]).default("tcp"),
      /** IPv4 address to listen on in the VM's network namespace; default "127.0.0.1"; "0.0.0.0" (or "") for every address, like `hostfwd=tcp::2222-:22`. */
      hostAddress: z.union([ipv4Schema(), z.literal("").transform(() => "0.0.0.0")]).default(DEFAULT_FORWARD_ADDRESS),
      /** Port to listen on (1–65535). */
      hostPort: portSchema(),
      /** Guest port (1–65535). */
      guestPort: portSchema(),
    })
    .strict();
}

function userNicSchema() {
  return z
    .object({
      /** A user-mode (slirp) NIC: `-netdev user,id=net0,hostfwd=… -device virtio-net-pci,netdev=net0,mac=…`. */
      type: z.literal("user"),
      /** The netdev id (PortForward's `netdev`); default `net<index>`. */
      id: nicIdSchema().optional(),
      /** Default "virtio-net-pci". */
      model: z.enum(NIC_MODELS).default("virtio-net-pci"),
      /** Default: stable 52:54:00:xx:xx:xx derived from the VM name and NIC index. */
      mac: macAddressSchema().optional(),
      /** User-mode forwards from the host to the guest, applied live when changed. */
      hostForwards: z.array(hostForwardSchema()).max(1024, "must list at most 1024 forwards").default([]),
    })
    .strict();
}

/** The helper path must not contain whitespace: QEMU runs a helper with spaces through `sh -c`. */
function helperSchema() {
  return absolutePathSchema().refine((s) => /^[A-Za-z0-9_./+-]+$/.test(s), "may contain only letters, digits and _ . / + - (QEMU passes a helper with spaces to sh -c)");
}

function bridgeNicSchema() {
  return z
    .object({
      /** A NIC on a Linux bridge through qemu-bridge-helper: `-netdev bridge,br=…,helper=…` (needs an `allow <bridge>` ACL). */
      type: z.literal("bridge"),
      /** The netdev id; default `net<index>`. */
      id: nicIdSchema().optional(),
      /** The bridge (in the VM's network namespace). */
      bridge: interfaceNameSchema(),
      /** Default "virtio-net-pci". */
      model: z.enum(NIC_MODELS).default("virtio-net-pci"),
      /** Default: stable 52:54:00:xx:xx:xx derived from the VM name and NIC index. */
      mac: macAddressSchema().optional(),
      /** Path of qemu-bridge-helper; default /usr/lib/qemu/qemu-bridge-helper. */
      helper: helperSchema().default(DEFAULT_BRIDGE_HELPER),
    })
    .strict();
}

function diskSchema() {
  return z
    .object({
      /** The image file. */
      path: absolutePathSchema(),
      /** Image format; absent: QEMU probes it (and restricts writes to sector 0 of raw images). */
      format: z.enum(["raw", "qcow2", "vmdk", "vdi", "vhdx", "qed"]).optional(),
      /** Attach read-only (default false). */
      readOnly: z.boolean().default(false),
      /** Default "virtio". */
      interface: z.enum(["virtio", "ide", "scsi", "sd", "none"]).default("virtio"),
    })
    .strict();
}


/** Inputs of a QemuVm, before NIC ids/MACs are filled in (see {@link qemuVmInputsSchema}). */
function rawInputsSchema() {
  return z
    .object({
      /** VM name (`-name`, state dir `<stateDir>/vms/<name>`); 1–63 of letters, digits, `_ . -`. Default: resource name plus a random suffix. */
      name: vmNameSchema(),
      /** Default 512. */
      memoryMiB: z.number().int("must be an integer").min(16, "must be at least 16 MiB").max(1048576, "must be at most 1 TiB").default(512),
      /** Default 1. */
      cpus: z.number().int("must be an integer").min(1, "must be at least 1").max(255, "must be at most 255").default(1),
      /** Default "auto": `-accel kvm -accel tcg`, QEMU uses KVM when it initializes and TCG otherwise. */
      accel: z.enum(["kvm", "tcg", "auto"]).default("auto"),
      /** Machine type, e.g. "q35"; default QEMU's ("pc"). */
      machine: z.string().max(64, "must be at most 64 characters").regex(/^[A-Za-z0-9_.-]+$/, "must be a machine type such as q35 or pc (see `qemu-system-x86_64 -machine help`)").optional(),
      /** CPU model, e.g. "max" or "host" (KVM only). */
      cpuModel: z.string().max(64, "must be at most 64 characters").regex(/^[A-Za-z0-9_.+-]+$/, "must be a CPU model such as host, max or qemu64 (see `qemu-system-x86_64 -cpu help`)").optional(),
      /** Direct kernel boot: the kernel image (`-kernel`). */
      kernel: absolutePathSchema().optional(),
      /** Initial ramdisk (`-initrd`; needs `kernel`). */
      initrd: absolutePathSchema().optional(),
      /** Kernel command line (`-append`; needs `kernel`). */
      kernelArgs: z.string().max(4096, "must be at most 4096 characters").refine((s) => !/[\0\n\r]/.test(s), "must not contain NUL or newline").optional(),
      /** Disk images: `-drive file=…,format=…,if=…[,readonly=on]`. */
      disks: z.array(diskSchema()).max(64, "must list at most 64 disks").default([]),
      /** ISO images attached as read-only CD-ROMs (e.g. virtio-win.iso). */
      cdroms: z.array(absolutePathSchema()).max(8, "must list at most 8 CD-ROMs").default([]),
      /** The NICs; as an output, as running, with ids, MACs and (for user NICs) the forwards QEMU really has. */
      nics: z.array(z.discriminatedUnion("type", [userNicSchema(), bridgeNicSchema()])).max(28, "must list at most 28 NICs (the PCI slots a pc/q35 machine has left)"),
      /** How long delete waits for the guest to power off after the ACPI power button before `quit`/SIGKILL; default 30. */
      stopTimeoutSeconds: z.number().int("must be an integer").min(0, "must be 0–3600").max(3600, "must be 0–3600").default(30),
      /** Where the VM runs (`host.netns`) and keeps its state (`host.stateDir`). */
      host: hostSchema(),
    })
    .strict();
}

/**
 * Inputs of a QemuVm (a factory: zod objects must not be captured by serialized closures). Fills NIC ids
 * (`net0`, `net1`… by position) and stable MACs, and checks cross-field rules with property paths.
 */
export function qemuVmInputsSchema(stableMacFor: (name: string, index: number) => string) {
  return rawInputsSchema()
    .superRefine((v, ctx) => {
      if (v.initrd && !v.kernel) ctx.addIssue({ code: "custom", path: ["initrd"], message: "needs `kernel` (QEMU loads an initrd only with -kernel)" });
      if (v.kernelArgs !== undefined && !v.kernel) ctx.addIssue({ code: "custom", path: ["kernelArgs"], message: "needs `kernel` (QEMU passes -append only with -kernel)" });
      const ids = new Map<string, number>();
      const macs = new Map<string, number>();
      const fwds = new Map<string, string>();
      v.nics.forEach((n, i) => {
        const id = n.id ?? `net${i}`;
        if (ids.has(id)) ctx.addIssue({ code: "custom", path: ["nics", i, "id"], message: `duplicates the id of nics[${ids.get(id)}] ("${id}")` });
        ids.set(id, i);
        if (n.mac) {
          if (macs.has(n.mac)) ctx.addIssue({ code: "custom", path: ["nics", i, "mac"], message: `duplicates the MAC of nics[${macs.get(n.mac)}]` });
          macs.set(n.mac, i);
        }
        if (n.type === "user")
          n.hostForwards.forEach((f, j) => {
            const key = `${f.protocol}/${f.hostPort}`;
            const other = fwds.get(key);
            if (other) ctx.addIssue({ code: "custom", path: ["nics", i, "hostForwards", j, "hostPort"], message: `${f.protocol} port ${f.hostPort} is already forwarded by ${other}` });
            fwds.set(key, `nics[${i}].hostForwards[${j}]`);
          });
      });
    })
    .transform((v) => ({ ...v, nics: v.nics.map((n, i) => ({ ...n, id: n.id ?? `net${i}`, mac: n.mac ?? stableMacFor(v.name, i) })) }))
    .superRefine((v, ctx) => {
      const problem = qmpSocketProblem(v.host.stateDir, v.name);
      if (problem) ctx.addIssue({ code: "custom", path: ["name"], message: `with host.stateDir ${problem}: use a shorter name or stateDir` });
    });
}

/** Inputs after check: NIC ids and MACs filled in. */
export type QemuVmInputs = z.infer<ReturnType<typeof qemuVmInputsSchema>>;
export type QemuVmNic = QemuVmInputs["nics"][number];

/** State: inputs as observed plus runtime outputs. */
export interface QemuVmState extends QemuVmInputs {
  /** Random id, new whenever QEMU is (re)started; give it to a PortForward so forwards follow restarts. */
  instanceId: string;
  /** QEMU's pid while it runs. */
  pid?: number;
  /** The QMP unix socket. */
  qmpSocket: string;
  /** The guest's serial console log. */
  serialLog: string;
  /** Each NIC's MAC, by position. */
  macs: string[];
  /** QMP query-status (running, paused, shutdown, internal-error, …) or "stopped" when the QEMU process is gone. */
  status: string;
  /** The accelerator in use: "kvm" or "tcg" (with accel "auto" QEMU falls back to tcg when KVM cannot start). */
  acceleration?: string;
}

import { z } from "zod";
import { absolutePathSchema, interfaceNameSchema } from "../common/naming";
import { hostSchema } from "../common/host-schema";
import { DEFAULT_BRIDGE_HELPER } from "../../host/qemu/qemu-argv";
import { isUnicastMac } from "../../host/qemu/mac-address";
import { UNIX_PATH_MAX, vmPaths } from "../../host/qemu/vm-paths";

/** VM names become a directory under stateDir and QEMU's `-name`: no path can escape, no comma. */
export function vmNameSchema() {
  return z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, "must be 1–63 characters of letters, digits and _ . -, starting with a letter or digit");
}

/** NIC models QEMU's x86 machines offer; e1000 for guests without virtio drivers (Windows before virtio-win). */
export const NIC_MODELS = ["virtio-net-pci", "e1000", "e1000e", "rtl8139", "vmxnet3"] as const;

function macSchema() {
  return z
    .string()
    .regex(/^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/, "must be a MAC address like 52:54:00:12:34:56")
    .transform((s) => s.toLowerCase())
    .refine(isUnicastMac, "must be a unicast MAC (the first octet must be even), e.g. 52:54:00:…");
}

function portSchema() {
  return z.number().int("must be an integer").min(1, "must be 1–65535").max(65535, "must be 1–65535");
}

/** A plain IPv4 address (what slirp's hostfwd accepts); "" means every address. */
function ipv4Schema() {
  return z
    .string()
    .regex(/^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$|^$/, "must be an IPv4 address such as 127.0.0.1 (or empty / 0.0.0.0 for every address)")
    .transform((s) => (s === "" ? "0.0.0.0" : s));
}

function nicIdSchema() {
  return z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,31}$/, "must start with a letter and contain only letters, digits and _ . - (a QEMU id, max 32)");
}

/** A user-mode forward `hostAddress:hostPort` → guest `guestPort`. Default: every host address, tcp (the seed's `hostfwd=tcp::2222-:22`). */
export function hostForwardSchema() {
  return z
    .object({
      protocol: z.enum(["tcp", "udp"]).default("tcp"),
      hostAddress: ipv4Schema().default("0.0.0.0"),
      hostPort: portSchema(),
      guestPort: portSchema(),
    })
    .strict();
}

function userNicSchema() {
  return z
    .object({
      type: z.literal("user"),
      id: nicIdSchema().optional(),
      model: z.enum(NIC_MODELS).default("virtio-net-pci"),
      mac: macSchema().optional(),
      hostForwards: z.array(hostForwardSchema()).default([]),
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
      type: z.literal("bridge"),
      id: nicIdSchema().optional(),
      bridge: interfaceNameSchema(),
      model: z.enum(NIC_MODELS).default("virtio-net-pci"),
      mac: macSchema().optional(),
      helper: helperSchema().default(DEFAULT_BRIDGE_HELPER),
    })
    .strict();
}

function diskSchema() {
  return z
    .object({
      path: absolutePathSchema(),
      format: z.enum(["raw", "qcow2", "vmdk", "vdi", "vhdx", "qed"]).optional(),
      readOnly: z.boolean().default(false),
      interface: z.enum(["virtio", "ide", "scsi", "sd", "none"]).default("virtio"),
    })
    .strict();
}


/** Inputs of a QemuVm, before NIC ids/MACs are filled in (see {@link qemuVmInputsSchema}). */
function rawInputsSchema() {
  return z
    .object({
      name: vmNameSchema(),
      memoryMiB: z.number().int("must be an integer").min(16, "must be at least 16 MiB").max(1048576, "must be at most 1 TiB").default(512),
      cpus: z.number().int("must be an integer").min(1, "must be at least 1").max(255, "must be at most 255").default(1),
      accel: z.enum(["kvm", "tcg", "auto"]).default("auto"),
      machine: z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be a machine type such as q35 or pc (see `qemu-system-x86_64 -machine help`)").optional(),
      cpuModel: z.string().regex(/^[A-Za-z0-9_.+-]+$/, "must be a CPU model such as host, max or qemu64 (see `qemu-system-x86_64 -cpu help`)").optional(),
      kernel: absolutePathSchema().optional(),
      initrd: absolutePathSchema().optional(),
      kernelArgs: z.string().max(4096, "must be at most 4096 characters").refine((s) => !/[\0\n\r]/.test(s), "must not contain NUL or newline").optional(),
      disks: z.array(diskSchema()).default([]),
      cdroms: z.array(absolutePathSchema()).default([]),
      nics: z.array(z.discriminatedUnion("type", [userNicSchema(), bridgeNicSchema()])),
      stopTimeoutSeconds: z.number().int("must be an integer").min(0, "must be 0–3600").max(3600, "must be 0–3600").default(30),
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
      const sock = vmPaths(v.host.stateDir, v.name).qmpSocket;
      if (sock.length > UNIX_PATH_MAX)
        ctx.addIssue({ code: "custom", path: ["name"], message: `with host.stateDir the QMP socket path ${sock} is ${sock.length} characters, over the unix socket limit of ${UNIX_PATH_MAX}: use a shorter name or stateDir` });
    });
}

export type QemuVmInputs = z.infer<ReturnType<typeof qemuVmInputsSchema>>;
export type QemuVmNic = QemuVmInputs["nics"][number];

/** State: inputs as observed plus runtime outputs. */
export interface QemuVmState extends QemuVmInputs {
  /** Random id of this VM instance, new at every (re)start: dependents (PortForward) use it to follow restarts. */
  instanceId: string;
  /** QEMU's pid while it runs. */
  pid?: number;
  qmpSocket: string;
  serialLog: string;
  /** Each NIC's MAC, by position. */
  macs: string[];
  /** QMP query-status (running, paused, shutdown, internal-error, …) or "stopped" when the QEMU process is gone. */
  status: string;
  /** The accelerator in use: "kvm" or "tcg" (with accel "auto" QEMU falls back to tcg when KVM cannot start). */
  acceleration?: string;
}

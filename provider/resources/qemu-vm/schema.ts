import { z } from "zod";
import { absolutePathSchema, interfaceNameSchema } from "../common/naming";
import { hostSchema } from "../common/host-schema";
import { DEFAULT_FORWARD_ADDRESS, ipv4Schema, macAddressSchema, portSchema, vmNameSchema } from "../common/value-schemas";
import { DEFAULT_BRIDGE_HELPER } from "../../host/qemu/qemu-argv";
import * as path from "node:path";
import { qmpSocketProblem, VM_NAME, vmPaths } from "../../host/qemu/vm-paths";

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

/** Image formats QEMU and qemu-img read. */
export const IMAGE_FORMATS = ["raw", "qcow2", "vmdk", "vdi", "vhdx", "qed"] as const;

/** Largest overlay: 64 TiB. */
export const MAX_OVERLAY_GIB = 65536;

function overlaySchema() {
  return z
    .object({
      /** The base image the overlay reads from (copy-on-write): only ever read, never written. Many VMs may share one. */
      backingFile: absolutePathSchema(),
      /** The base image's format; absent: detected with `qemu-img info` (give it for raw bases: probing raw is unsafe). */
      backingFormat: z.enum(IMAGE_FORMATS).optional(),
      /**
       * Virtual size in GiB; absent: the base image's. Growing it applies in place (live with QMP `block_resize` on a
       * running VM, else `qemu-img resize`; the guest still has to grow its partition/filesystem); shrinking is refused.
       */
      sizeGiB: z.number().int("must be a whole number of GiB").min(1, "must be at least 1").max(MAX_OVERLAY_GIB, `must be at most ${MAX_OVERLAY_GIB} (64 TiB)`).optional(),
    })
    .strict();
}

function diskSchema() {
  return z
    .object({
      /** The image file. With `overlay`: the qcow2 overlay, created when missing, kept (never wiped) when it already backs onto `overlay.backingFile`. */
      path: absolutePathSchema(),
      /** Image format; absent: QEMU probes it (and restricts writes to sector 0 of raw images); with `overlay`: "qcow2" (the only one allowed). */
      format: z.enum(IMAGE_FORMATS).optional(),
      /** Attach read-only (default false). */
      readOnly: z.boolean().default(false),
      /** Default "virtio". */
      interface: z.enum(["virtio", "ide", "scsi", "sd", "none"]).default("virtio"),
      /**
       * Make `path` a qcow2 overlay of a base image (`qemu-img create -f qcow2 -b <backingFile> -F <fmt> <path>`): the
       * guest's writes go to the overlay, the base stays unchanged. Removed on delete (and so on a replace) unless
       * `keepOnDelete`, and only while it still backs onto `backingFile` (a file there that backs onto something else
       * is left alone). A plain disk (no `overlay`) is never created or removed. Dropping `overlay` or changing its
       * `backingFile`/`backingFormat` while `path` stays is refused unless the disk already has `keepOnDelete: true`
       * (the replace would remove the guest's disk); after moving a base, rebase the overlay in place
       * (`qemu-img rebase -u -b <new base> -F <format> <path>`).
       */
      overlay: overlaySchema().optional(),
      /** Keep the overlay file on delete and replace (default false: it is removed). Only for `overlay` disks. */
      keepOnDelete: z.boolean().default(false),
    })
    .strict();
}

/** Longest user-data accepted (cloud-init reads larger, but a seed is no place for payloads). */
export const MAX_USER_DATA = 1024 * 1024;

function cloudInitSchema() {
  return z
    .object({
      /**
       * cloud-init user data (`#cloud-config` YAML, a `#!` script, a MIME multipart…), written as `user-data` of a
       * NoCloud seed. A secret: the SDK passes it as a Pulumi secret, and it never appears in argv, logs or errors.
       */
      userData: z.string({ required_error: "is required: the seed's user-data (e.g. a #cloud-config document)", invalid_type_error: "must be a string" }).max(MAX_USER_DATA, `must be at most ${MAX_USER_DATA} bytes`),
      /**
       * `meta-data`; default `instance-id: <vm name>-<hash of the seed's data>` and `local-hostname: <vm name>`. When
       * given it must set `instance-id` (check refuses it otherwise: without one cloud-init uses "nocloud" for every
       * seed and never runs its per-instance modules again); change the id whenever the data change.
       */
      metaData: z
        .string({ invalid_type_error: "must be a string" })
        .max(65536, "must be at most 65536 characters")
        .refine(hasInstanceId, 'must set instance-id (e.g. "instance-id: web-1"): without it cloud-init takes "nocloud" for every seed and never runs again for new data; change the id with the data, or leave metaData out for a default that does')
        .optional(),
      /** `network-config` (cloud-init network config v1/v2 YAML); absent: the file is left out. */
      networkConfig: z.string({ invalid_type_error: "must be a string" }).max(65536, "must be at most 65536 characters").optional(),
    })
    .strict();
}

/** True when NoCloud meta-data (YAML, or JSON, which is YAML too) sets `instance-id`. Pure. */
export function hasInstanceId(metaData: string): boolean {
  return /(^|[{,])[ \t]*["']?instance-id["']?[ \t]*:/m.test(metaData);
}

/** Why `pattern` is not a usable serial readiness pattern, or undefined. Pure. */
export function serialPatternProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (e) {
    return `is not a valid JavaScript regular expression (${(e as Error).message.replace(/^Invalid regular expression: /, "")}); escape \\ . * + ? ( ) [ ] { } | ^ $ to match them literally`;
  }
}

function readinessSchema() {
  return z
    .object({
      /**
       * A JavaScript regular expression matched against each line of the serial console log, once per line as lines
       * arrive (`^`/`$` anchor a line; only a line's first 4096 characters are matched; escape `.*+?()[]{}|^$\\` to
       * match them literally), e.g. "login:" or "^QEMU-LAB-GUEST READY".
       */
      serialPattern: z
        .string()
        .min(1, "must not be empty")
        .max(1024, "must be at most 1024 characters")
        .superRefine((p, ctx) => {
          const problem = serialPatternProblem(p);
          if (problem) ctx.addIssue({ code: "custom", message: problem });
        })
        .optional(),
      /**
       * A TCP port that must accept a connection, from the VM's network namespace (e.g. the guest's address on a
       * bridge, or a user-mode forward). Through one of this VM's own forwards QEMU accepts before the guest does,
       * so there the guest must also send a first byte (an SSH banner does); prefer `serialPattern` otherwise.
       */
      tcp: z
        .object({
          /** IPv4 address. */
          host: ipv4Schema(),
          /** Port (1–65535). */
          port: portSchema(),
          /**
           * Count the port as ready only once the peer sends a first byte (an SSH banner does). Default: true when
           * host:port is one of this VM's own user-mode forwards (QEMU accepts those before the guest listens), else
           * false (a connection is enough: a guest that speaks only after the client, like HTTP, needs false).
           */
          expectData: z.boolean().optional(),
        })
        .strict()
        .optional(),
      /** How long create waits before failing (and stopping QEMU); default 120. */
      timeoutSeconds: z.number().int("must be an integer").min(1, "must be 1–3600").max(3600, "must be 1–3600").default(120),
    })
    .strict()
    .refine((r) => r.serialPattern !== undefined || r.tcp !== undefined, "must give serialPattern, tcp or both (what to wait for)");
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
      /**
       * A cloud-init NoCloud seed built from these (ISO9660 volume `cidata` in the VM's state dir, attached read-only as
       * a virtio disk after `disks`). A change replaces the VM, so cloud-init sees a new instance-id and runs again.
       */
      cloudInit: cloudInitSchema().optional(),
      /**
       * What create (and an update that starts QEMU) waits for after QMP reports running; on timeout the VM is stopped,
       * and the error shows the last 20 lines of the serial console, as the guest printed them (whatever it prints
       * there, e.g. a password cloud-init generated, shows in the error). The whole log of the failed start is kept,
       * mode 0600, as `<stateDir>/vms/<name>.failed-serial.log` (replaced by the next failed start, removed by a
       * successful one and by delete). Absent: create returns when QEMU runs. A change applies to the next start only.
       */
      readiness: readinessSchema().optional(),
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
      const diskPaths = new Map<string, number>();
      v.disks.forEach((d, i) => {
        const other = diskPaths.get(d.path);
        if (other !== undefined) ctx.addIssue({ code: "custom", path: ["disks", i, "path"], message: `duplicates the path of disks[${other}] (two drives on one image corrupt it)` });
        diskPaths.set(d.path, i);
        if (d.overlay && d.format !== undefined && d.format !== "qcow2") ctx.addIssue({ code: "custom", path: ["disks", i, "format"], message: 'must be "qcow2" (or left out) for an overlay disk' });
        if (d.overlay && d.overlay.backingFile === d.path) ctx.addIssue({ code: "custom", path: ["disks", i, "overlay", "backingFile"], message: "must differ from the disk's path (the base is never written)" });
        if (!d.overlay && d.keepOnDelete) ctx.addIssue({ code: "custom", path: ["disks", i, "keepOnDelete"], message: "applies only to overlay disks (a plain disk is never removed)" });
      });
      // A base must never change under its overlays, and one image must never be open twice.
      v.disks.forEach((d, i) => {
        const j = d.overlay ? diskPaths.get(d.overlay.backingFile) : undefined;
        if (j !== undefined && j !== i) ctx.addIssue({ code: "custom", path: ["disks", i, "overlay", "backingFile"], message: `is the path of disks[${j}], which the guest writes: a base must never change under its overlay` });
      });
      v.cdroms.forEach((c, k) => {
        const j = diskPaths.get(c);
        if (j !== undefined) ctx.addIssue({ code: "custom", path: ["cdroms", k], message: `is the path of disks[${j}] (two drives on one image corrupt it)` });
      });
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
    .transform((v) => ({
      ...v,
      disks: v.disks.map((d) => (d.overlay ? { ...d, format: "qcow2" as const } : d)),
      nics: v.nics.map((n, i) => ({ ...n, id: n.id ?? `net${i}`, mac: n.mac ?? stableMacFor(v.name, i) })),
    }))
    .superRefine((v, ctx) => {
      const problem = qmpSocketProblem(v.host.stateDir, v.name);
      if (problem) ctx.addIssue({ code: "custom", path: ["name"], message: `with host.stateDir ${problem}: use a shorter name or stateDir` });
      // The VM's state dir is cleared on every start: a disk there would be wiped.
      const vmDir = qmpSocketProblem(v.host.stateDir, v.name) === undefined && VM_NAME.test(v.name) ? path.dirname(vmPaths(v.host.stateDir, v.name).qmpSocket) + "/" : undefined;
      v.disks.forEach((d, i) => {
        if (vmDir && (d.path + "/").startsWith(vmDir)) ctx.addIssue({ code: "custom", path: ["disks", i, "path"], message: `must not be inside the VM's state dir ${vmDir} (it is cleared on every start)` });
        if (vmDir && d.overlay && (d.overlay.backingFile + "/").startsWith(vmDir)) ctx.addIssue({ code: "custom", path: ["disks", i, "overlay", "backingFile"], message: `must not be inside the VM's state dir ${vmDir} (it is cleared on every start)` });
      });
    });
}

/** Inputs after check: NIC ids and MACs filled in. */
export type QemuVmInputs = z.infer<ReturnType<typeof qemuVmInputsSchema>>;
export type QemuVmNic = QemuVmInputs["nics"][number];
export type QemuVmDisk = QemuVmInputs["disks"][number];

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
  /**
   * Each NIC's IPv4 addresses, by NIC position, where they can be known. A user-mode NIC: `10.0.2.15`, the address
   * slirp's built-in DHCP server hands out (its first lease; a user NIC is a network of its own with the guest as its
   * only client): the address the guest has when it configures the NIC by DHCP, always listed, not observed (a guest
   * that configures the NIC statically or not at all does not have it). A bridge NIC: the addresses of the leases and
   * static hosts of DhcpServers on the same stateDir. An empty list: unknown.
   */
  ipAddresses: string[][];
  /** Paths of overlay disks found missing by refresh: the next up replaces a running VM (its QEMU still writes to the unlinked file) or recreates them on start. */
  missingOverlays?: string[];
  /** QMP query-status (running, paused, shutdown, internal-error, …) or "stopped" when the QEMU process is gone. */
  status: string;
  /** The accelerator in use: "kvm" or "tcg" (with accel "auto" QEMU falls back to tcg when KVM cannot start). */
  acceleration?: string;
}

import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { NIC_MODELS, qemuVmInputsSchema, QemuVmState } from "../provider/resources/qemu-vm/schema";
import type { ArgsOf, OutputsOf, SchemaArgs, StateKeys } from "./resource-types";
import { providerShim, resourceProps, TYPE_MODULE } from "./shim";

/** NIC device models; use e1000 for guests without virtio drivers (Windows before virtio-win is installed). */
export type QemuNicModel = (typeof NIC_MODELS)[number];

type VmIn = z.input<ReturnType<typeof qemuVmInputsSchema>>;
type NicIn = VmIn["nics"][number];

/**
 * A user-mode NIC: `-netdev user,id=net0,hostfwd=… -device virtio-net-pci,netdev=net0,mac=…`.
 * @interface
 */
export type QemuUserNicArgs = ArgsOf<Extract<NicIn, { type: "user" }>>;

/**
 * A NIC on a Linux bridge through qemu-bridge-helper: `-netdev bridge,br=…,helper=…` (needs an `allow <bridge>` ACL).
 * @interface
 */
export type QemuBridgeNicArgs = ArgsOf<Extract<NicIn, { type: "bridge" }>>;

/**
 * A user-mode (slirp) forward from the host to the guest, applied live when changed.
 * @interface
 */
export type QemuHostForwardArgs = ArgsOf<NonNullable<Extract<NicIn, { type: "user" }>["hostForwards"]>[number]>;

/**
 * A disk image: `-drive file=…,format=…,if=…[,readonly=on]`.
 * @interface
 */
export type QemuDiskArgs = ArgsOf<NonNullable<VmIn["disks"]>[number]>;

/**
 * A qcow2 overlay over a base image that is never written.
 * @interface
 */
export type QemuOverlayArgs = ArgsOf<NonNullable<NonNullable<VmIn["disks"]>[number]["overlay"]>>;

/**
 * A cloud-init NoCloud seed (user-data is a secret: encrypted in the state).
 * @interface
 */
export type QemuCloudInitArgs = ArgsOf<NonNullable<VmIn["cloudInit"]>>;

/**
 * What create waits for before it returns (serial pattern and/or TCP port).
 * @interface
 */
export type QemuReadinessArgs = ArgsOf<NonNullable<VmIn["readiness"]>>;

/**
 * Arguments of a {@link QemuVm}, derived from the provider's input schema (each property documented there). Every
 * hardware change replaces the VM (stop, then start); inline hostForwards change live.
 * @interface
 */
export type QemuVmArgs = SchemaArgs<typeof qemuVmInputsSchema, "name">;

const STATE_KEYS: StateKeys<QemuVmState> = {
  name: undefined, memoryMiB: undefined, cpus: undefined, accel: undefined, machine: undefined, cpuModel: undefined,
  kernel: undefined, initrd: undefined, kernelArgs: undefined, disks: undefined, cdroms: undefined, nics: undefined,
  stopTimeoutSeconds: undefined, host: undefined, instanceId: undefined, pid: undefined, qmpSocket: undefined,
  serialLog: undefined, macs: undefined, status: undefined, acceleration: undefined,
  cloudInit: undefined, readiness: undefined, ipAddresses: undefined, missingOverlays: undefined,
};

/** Outputs Pulumi must encrypt in the state: cloudInit carries user-data (passwords, keys). */
const SECRET_OUTPUTS = ["cloudInit"];

// Why the merge: the outputs are declared once, as the provider's state type, and appear on the class from it.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface QemuVm extends OutputsOf<QemuVmState> {}

/**
 * A QEMU VM that keeps running after `pulumi up` (daemonized, with a QMP socket and a serial log in its
 * state dir). Create returns once QMP reports "running" (and, with `readiness`, once the guest shows it is up); delete
 * powers the guest off gracefully and removes overlay disks not marked keepOnDelete.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class QemuVm extends pulumi.dynamic.Resource {
  constructor(name: string, args: QemuVmArgs, opts?: pulumi.CustomResourceOptions) {
    // The whole cloudInit is a secret (metaData/networkConfig may hold some too); the user's secret outputs are kept.
    const secretArgs = args.cloudInit === undefined ? args : { ...args, cloudInit: pulumi.secret(args.cloudInit) };
    const secretOpts = { ...opts, additionalSecretOutputs: [...new Set([...(opts?.additionalSecretOutputs ?? []), ...SECRET_OUTPUTS])] };
    super(providerShim("QemuVm"), name, resourceProps(name, secretArgs, STATE_KEYS), secretOpts, TYPE_MODULE, "QemuVm");
  }
}

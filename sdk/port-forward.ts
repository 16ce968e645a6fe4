import * as pulumi from "@pulumi/pulumi";
import type { portForwardInputsSchema, PortForwardState } from "../provider/resources/port-forward/schema";
import type { HostArgs } from "./host";
import type { OutputsOf, SchemaArgs, StateKeys } from "./resource-types";
import { providerShim, resourceProps, TYPE_MODULE } from "./shim";

/**
 * What PortForward needs from a VM: a QemuVm satisfies it. Its `instanceId` changes whenever the VM is
 * recreated, so the forward is re-added to the new VM in the same `up`.
 */
export interface PortForwardVm {
  name: pulumi.Output<string>;
  instanceId: pulumi.Output<string>;
  /** Where the VM lives (a QemuVm's `host` output); used unless `host` is given. */
  host?: pulumi.Output<HostArgs | undefined>;
}

/**
 * Arguments of a {@link PortForward}, derived from the provider's input schema (each property documented there);
 * `vm` also takes a QemuVm.
 * @interface
 */
export type PortForwardArgs = Omit<SchemaArgs<typeof portForwardInputsSchema>, "vm" | "name"> & {
  /** The VM: a QemuVm (its name, instanceId and host are passed for you) or a VM's name. */
  vm: PortForwardVm | pulumi.Input<string>;
};

const STATE_KEYS: StateKeys<PortForwardState> = {
  name: undefined, vm: undefined, vmInstanceId: undefined, netdev: undefined, protocol: undefined, hostAddress: undefined,
  hostPort: undefined, guestAddress: undefined, guestPort: undefined, adopt: undefined, host: undefined, rule: undefined,
  active: undefined, effectiveGuestAddress: undefined, created: undefined,
};

function isVmRef(vm: unknown): vm is PortForwardVm {
  return !!vm && typeof vm === "object" && pulumi.Output.isInstance((vm as PortForwardVm).name) && pulumi.Output.isInstance((vm as PortForwardVm).instanceId);
}

// Why the merge: the outputs are declared once, as the provider's state type, and appear on the class from it.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface PortForward extends OutputsOf<PortForwardState> {}

/**
 * A host port forwarded into a running QEMU VM's user-mode network (`hostfwd_add` through QMP): no VM
 * restart. Removed by hand, it shows as `active: false` on refresh and the next `up` adds it again; when the
 * VM is recreated (a new `instanceId`) it is re-added to the new VM in the same `up`.
 * Equivalent of `-netdev user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22`.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class PortForward extends pulumi.dynamic.Resource {
  constructor(name: string, args: PortForwardArgs, opts?: pulumi.CustomResourceOptions) {
    // The VM's outputs in the props carry the dependency on it.
    super(providerShim("PortForward"), name, portForwardProps(name, args), opts, TYPE_MODULE, "PortForward");
  }
}

/**
 * The resource's property map: the VM's name, instanceId and host taken from a QemuVm when one is given
 * (explicit `vmInstanceId`/`host` win), every output as undefined. Pure.
 */
export function portForwardProps(name: string, args: PortForwardArgs): Record<string, unknown> {
  const ref = isVmRef(args.vm) ? args.vm : undefined;
  const vm = ref ? ref.name : args.vm;
  return resourceProps(name, { ...args, vm, vmInstanceId: args.vmInstanceId ?? ref?.instanceId, host: args.host ?? ref?.host }, STATE_KEYS);
}

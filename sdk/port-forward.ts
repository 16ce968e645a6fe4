import * as pulumi from "@pulumi/pulumi";
import type { HostArgs } from "./host";
import { ownerLabel, providerShim, TYPE_MODULE } from "./shim";

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

/** Arguments of a {@link PortForward}. */
export interface PortForwardArgs {
  /** The VM: a QemuVm (its name, instanceId and host are passed for you) or a VM's name. */
  vm: PortForwardVm | pulumi.Input<string>;
  /** The VM's instanceId when `vm` is a name: a change re-adds the forward (a QemuVm passes it itself). */
  vmInstanceId?: pulumi.Input<string>;
  /** The VM's user-mode netdev id (`-netdev user,id=…`). Default `net0`. */
  netdev?: pulumi.Input<string>;
  /** Default `tcp`. */
  protocol?: pulumi.Input<"tcp" | "udp">;
  /** IPv4 address to listen on, in the VM's network namespace. Default `127.0.0.1`; `0.0.0.0` means any. */
  hostAddress?: pulumi.Input<string>;
  /** Port to listen on (1–65535). */
  hostPort: pulumi.Input<number>;
  /** Guest IPv4 address. Default: QEMU's guest address (10.0.2.15 unless the netdev says otherwise). */
  guestAddress?: pulumi.Input<string>;
  /** Guest port (1–65535). */
  guestPort: pulumi.Input<number>;
  /** Manage a forward already listening on this host socket (e.g. from the VM's command line); delete then leaves it. */
  adopt?: pulumi.Input<boolean>;
  /** Where the VM lives: the same `host` as the QemuVm (its `stateDir` locates the QMP socket). */
  host?: pulumi.Input<HostArgs>;
}

function isVmRef(vm: unknown): vm is PortForwardVm {
  return !!vm && typeof vm === "object" && pulumi.Output.isInstance((vm as PortForwardVm).name) && pulumi.Output.isInstance((vm as PortForwardVm).instanceId);
}

/**
 * A host port forwarded into a running QEMU VM's user-mode network (`hostfwd_add` through QMP): no VM
 * restart. Removed by hand, it shows as `active: false` on refresh and the next `up` adds it again; when the
 * VM is recreated (a new `instanceId`) it is re-added to the new VM in the same `up`.
 * Equivalent of `-netdev user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22`.
 */
export class PortForward extends pulumi.dynamic.Resource {
  /** The resource name (labels messages; nothing on the host is named by it). */
  declare readonly name: pulumi.Output<string>;
  declare readonly vm: pulumi.Output<string>;
  declare readonly vmInstanceId: pulumi.Output<string | undefined>;
  declare readonly netdev: pulumi.Output<string>;
  declare readonly protocol: pulumi.Output<"tcp" | "udp">;
  declare readonly hostAddress: pulumi.Output<string>;
  declare readonly hostPort: pulumi.Output<number>;
  declare readonly guestAddress: pulumi.Output<string | undefined>;
  declare readonly guestPort: pulumi.Output<number>;
  declare readonly adopt: pulumi.Output<boolean>;
  declare readonly host: pulumi.Output<HostArgs>;
  /** The hostfwd rule, e.g. `tcp:127.0.0.1:2222-:22`. */
  declare readonly rule: pulumi.Output<string>;
  /** True when QEMU has the forward (false once removed by hand or lost on a VM restart, until the next up). */
  declare readonly active: pulumi.Output<boolean>;
  /** The guest address QEMU forwards to. */
  declare readonly effectiveGuestAddress: pulumi.Output<string>;
  /** True when this resource added the forward (false when adopted). */
  declare readonly created: pulumi.Output<boolean>;

  constructor(name: string, args: PortForwardArgs, opts?: pulumi.CustomResourceOptions) {
    // The VM's outputs in the props carry the dependency on it.
    super(providerShim("PortForward"), name, { ...portForwardProps(name, args), __owner: ownerLabel(name) }, opts, TYPE_MODULE, "PortForward");
  }
}

/**
 * The resource's property map: the VM's name, instanceId and host taken from a QemuVm when one is given
 * (explicit `vmInstanceId`/`host` win), every output as undefined. Pure.
 */
export function portForwardProps(name: string, args: PortForwardArgs): Record<string, unknown> {
  const ref = isVmRef(args.vm) ? args.vm : undefined;
  return {
    __resourceName: name,
    vm: ref ? ref.name : args.vm,
    vmInstanceId: args.vmInstanceId ?? ref?.instanceId,
    netdev: args.netdev,
    protocol: args.protocol,
    hostAddress: args.hostAddress,
    hostPort: args.hostPort,
    guestAddress: args.guestAddress,
    guestPort: args.guestPort,
    adopt: args.adopt,
    host: args.host ?? ref?.host,
    name: undefined,
    rule: undefined,
    active: undefined,
    effectiveGuestAddress: undefined,
    created: undefined,
  };
}

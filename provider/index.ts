import type * as pulumi from "@pulumi/pulumi";
import { HostRegistry } from "./host/host-registry";
import type { ResourceContext } from "./resources/common/handler";

/** Resource kinds and the module serving each (loaded on first use, so one kind's load cost is not paid by others). */
const KIND_MODULES = {
  NetworkNamespace: "./resources/network-namespace/provider",
  Bridge: "./resources/bridge/provider",
  BridgeAcl: "./resources/bridge-acl/provider",
  PhysicalPortAttachment: "./resources/physical-port-attachment/provider",
  QemuVm: "./resources/qemu-vm/provider",
  PortForward: "./resources/port-forward/provider",
  VethPair: "./resources/veth-pair/provider",
} as const;

/** A resource kind served by this package. */
export type ResourceKind = keyof typeof KIND_MODULES;

let context: ResourceContext | undefined;
const providers = new Map<string, pulumi.dynamic.ResourceProvider>();

/** The process-wide context: one HostRegistry, so all resources share snapshots and write batches. */
export function sharedContext(): ResourceContext {
  context ??= { hosts: new HostRegistry() };
  return context;
}

/**
 * The live dynamic provider for a kind. Called by the serialized shim in the provider process, so the
 * implementation always comes from the installed package, never from a copy in the stack's state.
 */
export function getProvider(kind: string): pulumi.dynamic.ResourceProvider {
  let p = providers.get(kind);
  if (!p) {
    const modPath = (KIND_MODULES as Record<string, string>)[kind];
    if (!modPath) throw new Error(`pulumi-qemu-lab: unknown resource kind "${kind}" (known: ${Object.keys(KIND_MODULES).join(", ")})`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(modPath) as { makeProvider(ctx: ResourceContext): pulumi.dynamic.ResourceProvider };
    p = mod.makeProvider(sharedContext());
    providers.set(kind, p);
  }
  return p;
}

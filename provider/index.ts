import type * as pulumi from "@pulumi/pulumi";
import { HostRegistry } from "./host/host-registry";
import { isResourceKind, KIND_NAMES, makeProvider } from "./kinds";
import type { ResourceContext } from "./resources/common/handler";

export type { ResourceKind } from "./kinds";

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
    if (!isResourceKind(kind)) throw new Error(`pulumi-qemu-lab: unknown resource kind "${kind}" (known: ${KIND_NAMES.join(", ")})`);
    p = makeProvider(kind, sharedContext());
    providers.set(kind, p);
  }
  return p;
}

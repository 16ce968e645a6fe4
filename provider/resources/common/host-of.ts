import type { Host } from "../../host/host";
import type { ResourceContext } from "./handler";
import type { HostInput } from "./host-schema";

/** The Host a resource's `host` input names (shared per namespace within the provider process). */
export function hostOf(ctx: ResourceContext, host: Partial<HostInput> | undefined): Host {
  return ctx.hosts.hostFor({ netns: host?.netns, stateDir: host?.stateDir });
}

/** Where objects live, for messages. */
export function whereOf(netns: string | undefined): string {
  return netns ? `in network namespace "${netns}"` : "in the root network namespace";
}

import type { Host } from "../../host/host";
import type { ResourceContext } from "./handler";
import { formatPath } from "./check";
import { hostSchema, type HostInput } from "./host-schema";

/**
 * The Host a resource's `host` input names (shared per namespace within the provider process). Validated again here:
 * read and delete get `host` from the recorded state, which may have been edited by hand.
 */
export function hostOf(ctx: ResourceContext, host: Partial<HostInput> | undefined): Host {
  const r = hostSchema().safeParse(host ?? {});
  if (!r.success)
    throw new Error(
      `recorded host ${JSON.stringify(host)} is invalid (${r.error.issues.map((i) => `${formatPath(["host", ...i.path])}: ${i.message}`).join("; ")}); ` +
        "the state was edited or is corrupt: fix it (pulumi state edit) or delete the resource from it",
    );
  return ctx.hosts.hostFor({ netns: r.data.netns, stateDir: r.data.stateDir });
}

/** Where objects live, for messages. */
export function whereOf(netns: string | undefined): string {
  return netns ? `in network namespace "${netns}"` : "in the root network namespace";
}
